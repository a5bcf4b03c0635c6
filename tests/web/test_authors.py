"""Authors' pages: any spelling of a name finds its author's papers, newest first, in pages, with
the people they write with, a feed and a follow button; names on cards and paper pages link
there; signed out (cached) and signed in (the page members share, with their own marks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from dailypapers.models import PaperRecord
from dailypapers.text import name_key

from .conftest import Site, csrf_of, make_site

# One author, written three ways by the papers (as sources do), and the people around her.
SPELLINGS = ("José García-López", "Jose Garcia Lopez", "JOSÉ GARCÍA LÓPEZ")
PAGE_URL = "/authors/Jos%C3%A9%20Garc%C3%ADa-L%C3%B3pez"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("authors"))
    records = []
    for number in range(1, 36):
        spelling = SPELLINGS[0] if number % 3 else SPELLINGS[number % 2 + 1]
        coauthors = ["Ada Lovelace"] + (["Łukasz Nowak"] if number % 5 == 0 else [])
        records.append(
            PaperRecord(
                f"Study {number} of folded names",
                arxiv_id=f"2401.{number:05d}",
                version=1,
                abstract="How names are written.",
                authors=(spelling, *coauthors),
                categories=("cs.DL",),
                published=datetime(2024, 1, number % 28 + 1, tzinfo=UTC)
                if number <= 28
                else datetime(2024, 2, number - 27, tzinfo=UTC),
            )
        )
    made.hub.ingest(records)
    made.hub.index(semantic=False)
    yield made
    made.hub.close()


def cards(page: str) -> list[str]:
    return re.findall(r'<article class="card" data-paper="([^"]+)"', page)


def test_every_spelling_finds_one_author_newest_first_in_pages(site: Site) -> None:
    client = site.client()
    first = client.get(PAGE_URL)
    assert first.status_code == 200
    page = first.text
    # The spelling most papers use names the page.
    assert "<h1>José García-López</h1>" in page
    assert "35 papers here, the newest first." in page
    shown = cards(page)
    assert len(shown) == 30
    published = [site.hub.paper(ident).published for ident in shown]
    assert published == sorted(published, reverse=True)  # type: ignore[type-var]
    assert shown[0] == "2401.00035"  # 8 February, the newest
    # The same author under every spelling, and with spacing and case of its own.
    for spelling in (*SPELLINGS, "jose   garcia-lopez"):
        assert cards(client.get(f"/authors/{spelling}").text) == shown
    second = client.get(PAGE_URL + "?page=2").text
    assert len(cards(second)) == 5 and not set(cards(second)) & set(shown)
    assert 'rel="prev"' in second and 'rel="next"' not in second and "Page 2 of 2" in second
    # A page past the last shows the last.
    assert cards(client.get(PAGE_URL + "?page=9").text) == cards(second)


def test_co_authors_most_frequent_first_link_to_their_pages(site: Site) -> None:
    page = site.client().get(PAGE_URL).text
    aside = page[page.index('<aside class="coauthors"') :]
    names = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="meta">(\d+) paper', aside)
    assert names == [
        ("/authors/Ada%20Lovelace", "Ada Lovelace", "35"),
        ("/authors/%C5%81ukasz%20Nowak", "Łukasz Nowak", "7"),
    ]
    # Her co-author's page lists her too, once, under one spelling.
    theirs = site.client().get("/authors/lukasz%20nowak").text
    assert len(cards(theirs)) == 7
    found = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', theirs)
    assert sorted(found) == ["Ada Lovelace", SPELLINGS[0]]


def test_names_on_cards_and_paper_pages_link_to_their_authors(site: Site) -> None:
    client = site.client()
    paper = client.get("/papers/2401.00005").text
    assert '<a href="/authors/Jos%C3%A9%20Garc%C3%ADa-L%C3%B3pez">José García-López</a>' in paper
    listed = client.get("/search?q=folded+names&mode=lexical").text
    assert '<span class="authors"><a href="/authors/' in listed
    # What a card's link leads to finds the paper the card is.
    demo = site.hub.paper("2601.23265")
    assert demo.authors is not None
    day = client.get(f"/?date={demo.listings[0].date.isoformat()}").text
    href = f'href="/authors/{demo.authors[0].replace(" ", "%20")}"'
    assert href in day
    assert "2601.23265" in cards(client.get(f"/authors/{demo.authors[0]}").text)


def test_unknown_authors_are_a_page_that_says_so(site: Site) -> None:
    client = site.client()
    for name in ("Nobody%20Wrote%20This", "%20", "..."):
        answer = client.get(f"/authors/{name}")
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
    assert client.get("/feeds/authors/Nobody.atom").status_code == 404
    assert name_key("...") == ""


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_an_authors_feed(site: Site, fmt: str) -> None:
    client = site.client()
    page = client.get(PAGE_URL).text
    assert f'type="application/{fmt}+xml" title="Papers by José García-López' in page
    answer = client.get(f"/feeds/authors/jose%20garcia%20lopez.{fmt}")
    assert answer.status_code == 200
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Papers by José García-López"
    assert [entry.link.rsplit("/", 1)[1] for entry in feed.entries[:2]] == cards(page)[:2]
    if fmt == "atom":
        self_link = next(link.href for link in feed.feed.links if link.rel == "self")
        assert self_link.endswith("/feeds/authors/jose%20garcia%20lopez.atom")


def test_members_follow_an_author_and_see_their_own_marks(site: Site) -> None:
    one, two = site.member(), site.member()
    # The first member's view makes the page members share; the second gets their copy.
    page = one.get(PAGE_URL).text
    assert 'name="kind" value="author"' in page and "Follow José García-López" in page
    voted = one.post("/papers/2401.00035/upvote", data={"csrf": csrf_of(page), "next": PAGE_URL})
    assert voted.status_code == 303
    mine, theirs = one.get(PAGE_URL).text, two.get(PAGE_URL).text
    pressed = 'aria-pressed="true"'
    assert mine.count(pressed) == 1 and theirs.count(pressed) == 0
    assert f">{two.name}<" in theirs and f">{one.name}<" not in theirs  # type: ignore[attr-defined]
    followed = two.post(
        "/follows",
        data={
            "csrf": csrf_of(theirs),
            "kind": "author",
            "value": "José García-López",
            "next": PAGE_URL,
        },
    )
    assert followed.status_code == 303 and followed.headers["location"] == PAGE_URL
    assert "José García-López" in two.get("/following").text


def test_a_removed_paper_is_nobodys(site: Site, tmp_path: Path) -> None:
    hub = site.hub
    hub.ingest([PaperRecord("Alone", arxiv_id="2401.09999", authors=("Solo Writer",))])
    hub.index(semantic=False)
    assert site.client().get("/authors/Solo%20Writer").status_code == 200
    moderator = hub.create_user("mod-authors", "mod-authors@example.org", "pw-" * 4, "moderator")
    hub.remove_paper(moderator, "2401.09999", "spam")
    assert site.client().get("/authors/Solo%20Writer").status_code == 404
