"""Listed papers completed with arXiv's metadata: asked for 100 ids a request, at arXiv's pace,
from a loopback server replaying the API's recorded answers (and answers made from a recorded
entry under other ids); each batch stored as it comes, what arXiv does not describe asked for
again later; on SQLite and PostgreSQL, through the hub and the CLI."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dailypapers.cli import main
from dailypapers.config import load_settings
from dailypapers.errors import FetchError, NotFound
from dailypapers.hub import Hub
from dailypapers.models import Listing, PaperRecord
from replay import ReplayServer

TWO_IDS = "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json"
KNOWN = "1707.08567"  # the one of the two arXiv has; 0808.05394 it does not know
TITLE = "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
HOT_JUPITERS = (
    "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys Toward "
    "the Galactic Bulge and Carina"
)
DAY = date(2026, 2, 27)
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def as_hf_lists_them(arxiv_id: str, title: str, rank: int, day: date = DAY) -> PaperRecord:
    """A paper as Hugging Face's daily list gives it: no version, categories or dates."""
    return PaperRecord(
        title,
        arxiv_id=arxiv_id,
        abstract="What the paper is about.",
        authors=("Kees A. Schouhamer Immink",),
        github_repo="https://github.com/example/aew10",
        upvotes=12,
        listing=Listing(day, rank),
    )


def recorded_feed(shared_data: Path) -> str:
    return str(json.loads((shared_data / "arxiv-api-atom" / TWO_IDS).read_text())["body"])


def feed_of(shared_data: Path, ids: Sequence[str]) -> bytes:
    """The API's answer for ``ids``: the recorded entry of 1707.08567, once under each id."""
    feed = recorded_feed(shared_data)
    entry = re.search(r"<entry>.*?</entry>", feed, re.DOTALL)
    assert entry is not None
    head, tail = feed[: entry.start()], feed[entry.end() :]
    entries = "".join(entry.group().replace(KNOWN, ident) for ident in ids)
    return f"{head}{entries}{tail}".encode()


def serve_lookup(server: ReplayServer, ids: Sequence[str], *replies: tuple[int, bytes]) -> None:
    query = "search_query=&sortBy=relevance&sortOrder=descending&start=0&max_results=100"
    server.add(
        "GET",
        f"/api/query?{query}&id_list={','.join(ids)}",
        [(status, {"Content-Type": "application/atom+xml"}, body) for status, body in replies],
    )


@pytest.fixture
def hub(tmp_path: Path, db_url: str, replay_server: ReplayServer) -> Iterator[Hub]:
    settings = {
        "data_dir": tmp_path,
        "database_url": "" if db_url.startswith("sqlite") else db_url,
        "arxiv_api_url": replay_server.url + "/api/query",
        "arxiv_delay": 0.2,
        "fetch_retries": 1,
    }
    opened, _ = Hub.init(load_settings(settings, {}))
    yield opened
    opened.close()


def lookups(server: ReplayServer) -> list[list[str]]:
    return [str(entry.param("id_list")).split(",") for entry in server.log]


def test_papers_from_hf_get_arxivs_metadata_and_keep_their_own(
    hub: Hub, replay_server: ReplayServer, shared_data: Path
) -> None:
    replay_server.load(shared_data / "arxiv-api-atom")
    hub.ingest(
        [
            as_hf_lists_them("0808.05394", "A paper arXiv does not know", 1),
            as_hf_lists_them(KNOWN, TITLE, 2),
            # Not on a list: nobody reads it, so nothing is asked for it.
            PaperRecord("An unlisted paper", arxiv_id="2501.00001"),
        ]
    )
    assert hub.site_status()["arxiv_metadata"] == {"lacking": 2, "failed": 0}

    report = hub.fetch_enrich(now=NOW)
    # One request for both, in the list's order.
    assert lookups(replay_server) == [["0808.05394", KNOWN]]
    assert report.requests == 1 and report.enriched == [KNOWN]
    assert report.failed == {"0808.05394": "arXiv has no such paper"}
    assert report.summary.updated == 1

    paper = hub.paper(KNOWN)
    assert paper.categories == ("cs.IT",)
    assert paper.published == datetime(2017, 7, 27, 8, 18, 33, tzinfo=UTC)
    assert paper.version == 1
    assert paper.comments is not None and paper.comments.startswith("44 pages")
    assert paper.abstract is not None and paper.abstract.startswith("The 10th Asia-Europe")
    assert paper.authors is not None and len(paper.authors) > 10
    # What Hugging Face said stays: the code link, its upvotes, the day on its list.
    assert paper.github_repo == "https://github.com/example/aew10"
    assert paper.source_upvotes == 12
    assert [(listing.date, listing.rank) for listing in paper.listings] == [(DAY, 2)]
    assert hub.site_status()["arxiv_metadata"] == {"lacking": 1, "failed": 1}

    # The unknown one waits a day, then two more after the next miss; the known one is done.
    assert hub.fetch_enrich(now=NOW + timedelta(hours=23)).requests == 0
    again = hub.fetch_enrich(now=NOW + timedelta(hours=25))
    assert again.failed == {"0808.05394": "arXiv has no such paper"}
    assert lookups(replay_server)[1:] == [["0808.05394"]]
    assert hub.fetch_enrich(now=NOW + timedelta(days=2, hours=23)).requests == 0
    assert hub.fetch_enrich(now=NOW + timedelta(days=3, hours=2)).requests == 1
    assert hub.paper("2501.00001").categories is None


def test_a_hundred_ids_a_request_each_stored_before_the_next(
    hub: Hub, replay_server: ReplayServer, shared_data: Path
) -> None:
    ids = [f"2602.{number:05d}" for number in range(1, 251)]
    hub.ingest(as_hf_lists_them(ident, f"Paper {ident}", rank) for rank, ident in enumerate(ids, 1))
    batches = [ids[:100], ids[100:200], ids[200:]]
    serve_lookup(replay_server, batches[0], (200, feed_of(shared_data, batches[0])))
    # The second batch finds arXiv down: the run stops, the first batch is kept.
    serve_lookup(replay_server, batches[1], (503, b"down"))
    with pytest.raises(FetchError, match=r"answered HTTP 503 .* after 2 attempts"):
        hub.fetch_enrich(now=NOW)
    assert lookups(replay_server) == [batches[0], batches[1], batches[1]]
    assert all(hub.paper(ident).categories == ("cs.IT",) for ident in batches[0])
    assert hub.paper(batches[1][0]).categories is None
    assert hub.site_status()["arxiv_metadata"] == {"lacking": 150, "failed": 0}
    # At arXiv's pace: one request at a time, arxiv_delay apart.
    times = [entry.time for entry in replay_server.log]
    assert min(later - earlier for earlier, later in itertools.pairwise(times)) >= 0.19

    # Back up: the next run asks only for what still lacks, and a limit caps it.
    replay_server.routes.clear()
    for batch in (batches[1], batches[2][:20]):
        serve_lookup(replay_server, batch, (200, feed_of(shared_data, batch)))
    first = hub.fetch_enrich(limit=120, now=NOW)
    assert lookups(replay_server)[3:] == [batches[1], batches[2][:20]]
    assert len(first.enriched) == 120 and not first.failed
    serve_lookup(replay_server, batches[2][20:], (200, feed_of(shared_data, batches[2][20:])))
    assert len(hub.fetch_enrich(now=NOW).enriched) == 30
    assert hub.site_status()["arxiv_metadata"] == {"lacking": 0, "failed": 0}
    assert hub.fetch_enrich(now=NOW).requests == 0


def test_named_papers_are_looked_up_whatever_they_have(
    hub: Hub,
    replay_server: ReplayServer,
    shared_data: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replay_server.load(shared_data / "arxiv-api-atom")
    hub.ingest(
        [
            # Known from an older import of arXiv's, before its journal reference was added.
            PaperRecord(
                HOT_JUPITERS, arxiv_id="astro-ph/0601001", version=1, categories=("astro-ph",)
            ),
            PaperRecord("A paper only a page knew", authors=("A. Person",)),
        ]
    )
    local = next(paper.id for paper in hub.all_papers() if paper.arxiv_id is None)
    with pytest.raises(NotFound, match=r"no paper 2999\.00001 here"):
        hub.fetch_enrich(["2999.00001", "astro-ph/0601001"], now=NOW)
    assert replay_server.log == []

    report = hub.fetch_enrich(["astro-ph/0601001", local], now=NOW)
    assert report.enriched == ["astro-ph/0601001"]
    assert report.failed == {local: "not an arXiv paper: nothing to look up"}
    paper = hub.paper("astro-ph/0601001")
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.published == datetime(2006, 1, 2, 14, 57, 58, tzinfo=UTC)

    # The CLI says what it did, and exits 1 when arXiv did not describe a paper.
    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", hub.settings.database_url)
    monkeypatch.setenv("DAILYPAPERS_ARXIV_API_URL", hub.settings.arxiv_api_url)
    data = ["--data-dir", str(hub.settings.data_dir)]
    assert main([*data, "fetch", "enrich", "astro-ph/0601001"]) == 0
    assert capsys.readouterr().out == "enriched: 1\n"
    hub.ingest([as_hf_lists_them("0808.05394", "A paper arXiv does not know", 1)])
    assert main([*data, "fetch", "enrich", "--json"]) == 1
    shown = json.loads(capsys.readouterr().out)
    assert shown["enriched"] == 0 and shown["failed"] == {"0808.05394": "arXiv has no such paper"}
