"""The reading pages, in process: the daily list and its periods, trending, search, a paper."""

from __future__ import annotations

import html
import re

import pytest
from starlette.routing import Match

from dailypapers.web import pages
from dailypapers.web.app import ROUTERS
from web.conftest import Site


def titles(html: str) -> list[str]:
    return re.findall(
        r'<h2 class="title">(?:<span class="rank">\d+\.</span> )?<a href="/papers/([^"]+)"', html
    )


def counts(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<span class="count" data-count>(\d+)</span>', html)]


def test_the_front_page_is_the_latest_day_most_upvoted_first(site: Site) -> None:
    client = site.client()
    page = client.get("/")
    assert page.status_code == 200
    assert "Papers of Friday 27 February 2026" in page.text
    _, papers = site.hub.daily()
    assert len(titles(page.text)) == len(papers) == 28
    assert counts(page.text) == sorted(counts(page.text), reverse=True)
    # Previous day with papers (Thursday), no next day; anonymous visitors get no cookie.
    assert 'rel="prev" href="/?date=2026-02-26"' in page.text
    assert 'rel="next"' not in page.text.split("</nav>")[1]
    assert "set-cookie" not in page.headers
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert '<link rel="alternate" type="application/atom+xml"' in page.text


def test_day_navigation_skips_days_without_papers(site: Site) -> None:
    client = site.client()
    monday = client.get("/", params={"date": "2026-02-02"})
    assert "PaperBanana" in monday.text and counts(monday.text)[0] == 188
    # Friday 30 January has no list here and Saturday 31 January neither: nothing before Monday.
    assert 'rel="next" href="/?date=2026-02-03"' in monday.text
    assert 'rel="prev"' not in monday.text
    # The compact layout: the same papers, in a list of a line or two each.
    compact = client.get("/", params={"date": "2026-02-02", "view": "compact"}).text
    assert '<div class="cards compact">' in compact and "PaperBanana" in compact
    assert 'href="/?view=compact&amp;date=2026-02-02" aria-current="page">Compact</a>' in compact
    assert 'rel="next" href="/?date=2026-02-03&amp;view=compact"' in compact
    assert '<div class="cards">' in monday.text
    # A picker goes to any day, up to the newest list's.
    assert '<form class="jump" action="/" method="get">' in monday.text
    assert 'type="date" name="date" value="2026-02-02" max="2026-02-27"' in monday.text
    saturday = client.get("/", params={"date": "2026-02-07"})
    assert saturday.status_code == 200 and "No papers were listed then" in saturday.text
    assert (
        'href="/?date=2026-02-06"' in saturday.text and 'href="/?date=2026-02-09"' in saturday.text
    )


def test_week_and_month_views(site: Site) -> None:
    client = site.client()
    week = client.get("/", params={"week": "2026-W06"})
    assert "Papers of the week of Monday 2 February 2026" in week.text
    in_week = sum(
        1
        for p in site.hub.all_papers()
        if any(item.date.isocalendar()[1] == 6 for item in p.listings)
    )
    assert f"{in_week} papers" in week.text
    assert 'href="/?week=2026-W07"' in week.text
    month = client.get("/", params={"month": "2026-02"})
    assert "783 papers" in month.text and "Page 1 of 16" in month.text
    second = client.get("/", params={"month": "2026-02", "p": 1})
    assert titles(second.text)[0] not in titles(month.text)
    assert counts(month.text)[-1] >= counts(second.text)[0]


def test_bad_parameters_get_a_friendly_page_with_the_right_status(site: Site) -> None:
    client = site.client()
    for params, status, words in (
        ({"date": "2026-13-01"}, 400, "date"),
        ({"week": "2026-9"}, 400, "week must look like 2026-W09"),
        ({"month": "Feb"}, 400, "month must look like 2026-02"),
        ({"date": "2026-02-02", "week": "2026-W06"}, 400, "one of date, week and month"),
    ):
        page = client.get("/", params=params)
        assert page.status_code == status and words in page.text, params
        assert page.headers["content-type"].startswith("text/html")
    missing = client.get("/papers/2401.99999")
    assert missing.status_code == 404 and "no paper" in missing.text
    nowhere = client.get("/no/such/page")
    assert nowhere.status_code == 404 and "Back to the daily papers" in nowhere.text


def test_trending_ranks_by_the_published_formula(site: Site) -> None:
    client = site.client()
    page = client.get("/trending", params={"window": "week"})
    assert "How is this ranked?" in page.text
    assert "score = upvotes / (age in hours + 2) ^ 1.8" in page.text
    trending = site.hub.trending("week")
    assert titles(page.text) == [paper.id for paper, _ in trending.items]
    scores = [score for _, score in trending.items]
    assert scores == sorted(scores, reverse=True)
    # The window ends with the newest list (27 February): Monday's papers are older than a week.
    assert all(p.listings[0].date.day >= 21 for p, _ in trending.items)
    month = site.hub.trending("month")
    assert len(month.items) == 50 and len(trending.items) < 100
    assert client.get("/trending", params={"window": "year"}).status_code == 400


def test_search_page_filters_sorts_and_jumps_to_an_id(site: Site) -> None:
    client = site.client()
    page = client.get("/search", params={"q": "PaperBanana"})
    assert titles(page.text)[0] == "2601.23265"
    assert "<mark>PaperBanana</mark>" in page.text
    jump = client.get("/search", params={"q": "https://arxiv.org/abs/2601.23265v2"})
    assert jump.status_code == 303 and jump.headers["location"] == "/papers/2601.23265"
    popular = client.get("/search", params={"q": "agents", "min_upvotes": 100, "mode": "lexical"})
    assert popular.status_code == 200 and all(n >= 100 for n in counts(popular.text))
    newest = client.get("/search", params={"q": "agents", "sort": "newest", "mode": "lexical"})
    days = re.findall(r'<time datetime="([\d-]+)">', newest.text)
    assert days == sorted(days, reverse=True)
    empty = client.get("/search", params={"q": "zxqwv qqqzzz", "mode": "lexical"})
    assert "No papers match" in empty.text
    # By meaning there is always a nearest paper; the page says that no words matched.
    nearest = client.get("/search", params={"q": "zxqwv qqqzzz", "mode": "hybrid"})
    assert "None of them contains your words" in nearest.text
    assert "None of them" not in client.get("/search", params={"q": "video generation"}).text
    assert client.get("/search", params={"q": "x", "sort": "oldest"}).status_code == 400


def test_paper_page_markdown_and_canonical_address(site: Site) -> None:
    client = site.client()
    page = client.get("/papers/2601.23265")
    assert page.status_code == 200
    assert "<h1>PaperBanana: Automating Academic Illustration for AI Scientists</h1>" in page.text
    assert "Dawei Zhu" in page.text and "Jinsung Yoon" in page.text  # every author
    assert "@misc{zhu2026paperbanana," in page.text  # BibTeX
    assert 'href="https://github.com/dwzhu-pku/PaperBanana"' in page.text
    assert "Similar papers" in page.text  # from the vectors the demo ships
    assert 'href="/papers/2601.23265.md"' in page.text
    versioned = client.get("/papers/2601.23265v1")
    assert versioned.status_code == 301 and versioned.headers["location"] == "/papers/2601.23265"
    markdown = client.get("/papers/2601.23265.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# PaperBanana: Automating Academic Illustration")
    assert "## Abstract" in markdown.text and "```bibtex" in markdown.text


def test_api_docs_page_is_rendered_here(site: Site) -> None:
    page = site.client().get("/docs")
    assert page.status_code == 200
    assert "/api/daily_papers" in page.text and "/api/papers/{paper_id}/upvote" in page.text
    assert "cdn" not in page.text.lower()
    spec = site.client().get("/openapi.json").json()
    assert {"/api/daily_papers", "/api/papers/search", "/api/papers/submit"} <= set(spec["paths"])
    # Docstrings' code spans are code, not backticks.
    assert "``" not in page.text and "<code>submitter</code>" in page.text
    # A list or a search finds nothing rather than nothing found.
    for path in ("/api/daily_papers", "/api/papers/search"):
        assert "404" not in spec["paths"][path]["get"]["responses"]
    assert "404" in spec["paths"]["/api/papers/{paper_id}"]["get"]["responses"]


def _card_ids(page: str) -> list[str]:
    return re.findall(r'class="card[^"]*" data-paper="([^"]+)"', page)


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_search_pages_go_past_the_first_30_without_repeating_a_paper(site: Site, mode: str) -> None:
    client = site.client()
    seen: list[str] = []
    url: str | None = f"/search?q=language+model&mode={mode}"
    pages = 0
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200
        ids = _card_ids(answer.text)
        assert ids and not set(ids) & set(seen)
        seen += ids
        pages += 1
        assert f"Results {len(seen) - len(ids) + 1} to {len(seen)}" in answer.text
        found = re.search(r'<a href="([^"]+)" rel="next">', answer.text)
        url = html.unescape(found.group(1)) if found else None
        if pages > 1:
            assert 'rel="prev"' in answer.text
    # As deep as the ranking keeps its order: every page the same as one search that deep.
    depth = site.hub.stable_depth(mode)
    assert pages == depth // 30 and len(seen) == pages * 30
    whole = [hit.paper.id for hit in site.hub.search("language model", len(seen), None, mode)]
    assert seen == whole
    # A page past the last is the last.
    last = client.get(f"/search?q=language+model&mode={mode}&page=99").text
    assert _card_ids(last) == seen[-30:]


def test_the_pages_tried_first_take_no_get_path_of_another_router() -> None:
    """The pages' routes are tried first (the paths read most): none of them, a paper's page
    above all (any path under /papers/), may take a GET path another router answers."""
    others = [route for router in ROUTERS if router is not pages.router for route in router.routes]
    for route in others:
        if "GET" not in getattr(route, "methods", set()):
            continue
        path = re.sub(r"\{[^}]+\}", "x1", route.path)  # a path the route takes
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        taken = [page.path for page in pages.router.routes if page.matches(scope)[0] == Match.FULL]
        assert not taken, f"{route.path} is taken by {taken}"
