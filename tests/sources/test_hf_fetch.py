"""HfDaily against a loopback server serving HF ``/api/daily_papers`` pages of a real day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from dailypapers.errors import FetchError
from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources.hf_fetch import HfDaily
from dailypapers.sources.http import HttpClient

if TYPE_CHECKING:
    from replay import ReplayServer


DAY = date(2026, 2, 3)
ROUTE = "/api/daily_papers?date=2026-02-03&limit={limit}&p={p}"


@pytest.fixture
def client() -> Iterator[HttpClient]:
    with HttpClient(retries=0) as http:
        yield http


@pytest.fixture(scope="module")
def day_items(shared_data: Path) -> list[dict[str, Any]]:
    """The 73 papers HF listed on 2026-02-03, in HF's order, shaped as its API gives them.

    Facts only from the recorded daily list (id, title, authors, upvotes, GitHub link); the
    listing time is the day at midnight UTC, as the recording gives no time.
    """
    path = shared_data / "hf-papers" / "misaki-wang_hf_bot_2026-02.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    items = []
    for row in rows:
        if row["date"] != DAY.isoformat():
            continue
        paper: dict[str, Any] = {
            "id": row["paper_id"],
            "title": row["title"],
            "authors": [{"name": name, "hidden": False} for name in row["authors"]],
            "upvotes": row["upvotes"],
        }
        if row["github_url"]:
            paper["githubRepo"] = row["github_url"]
        items.append({"paper": paper, "publishedAt": f"{DAY}T00:00:00.000Z", "title": row["title"]})
    return items


def serve_pages(server: ReplayServer, items: list[dict[str, Any]], limit: int) -> None:
    """Pages as HF cuts them: ``limit`` items each, and an empty page past the end."""
    for p in range(len(items) // limit + 1):
        body = json.dumps(items[p * limit : (p + 1) * limit]).encode()
        server.add("GET", ROUTE.format(limit=limit, p=p), [(200, {}, body)])


def records(items: list[PaperRecord | Rejection]) -> list[PaperRecord]:
    return [item for item in items if isinstance(item, PaperRecord)]


def test_one_request_fetches_a_whole_day(
    replay_server: ReplayServer, client: HttpClient, day_items: list[dict[str, Any]]
) -> None:
    serve_pages(replay_server, day_items, 100)
    got = HfDaily(client, replay_server.url).daily(DAY)
    assert len(replay_server.log) == 1
    assert replay_server.log[0].path == "/api/daily_papers"
    assert sorted(replay_server.log[0].query) == [
        ("date", "2026-02-03"),
        ("limit", "100"),
        ("p", "0"),
    ]
    papers = records(got)
    assert len(papers) == len(got) == 73
    first = papers[0]
    assert (first.arxiv_id, first.upvotes, first.github_repo) == (
        "2602.00919",
        280,
        "https://github.com/greenvla/GreenVLA",
    )
    assert first.title == "Green-VLA: Staged Vision-Language-Action Model for Generalist Robots"
    assert first.authors is not None and len(first.authors) == 22
    assert first.authors[:2] == ("I. Apanasevich", "M. Artemyev")
    kimi = papers[1]
    assert (kimi.arxiv_id, kimi.title) == ("2602.02276", "Kimi K2.5: Visual Agentic Intelligence")
    assert first.listing is not None and first.listing.date == DAY
    assert papers[-1].arxiv_id == "2601.14691"
    assert papers[-1].github_repo is None


def test_pages_are_followed_and_ranks_continue(
    replay_server: ReplayServer, client: HttpClient, day_items: list[dict[str, Any]]
) -> None:
    serve_pages(replay_server, day_items, 30)
    papers = records(HfDaily(client, replay_server.url, page_size=30).daily(DAY))
    assert [r.param("p") for r in replay_server.log] == ["0", "1", "2"]
    assert [p.arxiv_id for p in papers] == [item["paper"]["id"] for item in day_items]
    assert [p.listing.rank if p.listing else None for p in papers] == list(range(1, 74))


def test_a_full_last_page_costs_one_empty_page(
    replay_server: ReplayServer, client: HttpClient, day_items: list[dict[str, Any]]
) -> None:
    serve_pages(replay_server, day_items, 73)
    assert len(HfDaily(client, replay_server.url, page_size=73).daily(DAY)) == 73
    assert [r.param("p") for r in replay_server.log] == ["0", "1"]


def test_a_malformed_entry_is_rejected_and_paging_goes_on(
    replay_server: ReplayServer, client: HttpClient, day_items: list[dict[str, Any]]
) -> None:
    items = json.loads(json.dumps(day_items))
    items[31]["paper"]["id"] = "not-an-id"
    serve_pages(replay_server, items, 30)
    got = HfDaily(client, replay_server.url, page_size=30).daily(DAY)
    assert len(got) == 73
    rejection = got[31]
    assert isinstance(rejection, Rejection)
    assert rejection.where == "entry 2"  # its place on the second page
    assert "'not-an-id' is not an arXiv id" in rejection.reason
    assert "p=1" in rejection.source
    papers = records(got)
    assert len(papers) == 72 and papers[-1].listing is not None
    assert papers[-1].listing.rank == 72


def test_a_server_ignoring_p_does_not_loop(
    replay_server: ReplayServer, client: HttpClient, day_items: list[dict[str, Any]]
) -> None:
    body = json.dumps(day_items[:30]).encode()
    replay_server.add("GET", lambda path, query: path == "/api/daily_papers", [(200, {}, body)])
    got = HfDaily(client, replay_server.url, page_size=30).daily(DAY)
    assert len(got) == 30
    assert len(replay_server.log) == 2


def test_a_missing_endpoint_is_a_fetch_error(
    replay_server: ReplayServer, client: HttpClient
) -> None:
    with pytest.raises(
        FetchError, match=r"/api/daily_papers\?date=2026-02-03.* HTTP 404 Not Found"
    ):
        HfDaily(client, replay_server.url).daily(DAY)
