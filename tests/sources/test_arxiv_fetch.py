"""OaiHarvester and ArxivApi against recorded arXiv responses replayed on loopback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dailypapers.errors import FetchError, InvalidInput
from dailypapers.sources.arxiv_fetch import ArxivApi, OaiHarvester
from dailypapers.sources.http import HttpClient

if TYPE_CHECKING:
    from replay import ReplayServer


LISTRECORDS = "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"


@pytest.fixture
def sleeps() -> list[float]:
    """What the client was asked to sleep; it returns at once."""
    return []


@pytest.fixture
def client(sleeps: list[float]) -> Iterator[HttpClient]:
    with HttpClient(sleep=sleeps.append) as http:
        yield http


@pytest.fixture
def recorded(replay_server: ReplayServer, shared_data: Path) -> ReplayServer:
    replay_server.load(shared_data / "arxiv-api-atom", shared_data / "arxiv-oaipmh")
    return replay_server


def listrecords_body(shared_data: Path) -> str:
    """The 200 body of the recorded ListRecords exchange (its first exchange is the 503)."""
    exchanges = json.loads((shared_data / "arxiv-oaipmh" / LISTRECORDS).read_text())
    return str(exchanges[1]["response"])


def split_pages(body: str, tokens: list[str]) -> list[bytes]:
    """One page per recorded record, each ending with the next token (the last one empty)."""
    records = re.findall(r"<record>.*?</record>", body, re.DOTALL)
    head, tail = body[: body.index("<record>")], body[body.index("</ListRecords>") :]
    pages = []
    for number, record in enumerate(records):
        token = tokens[number] if number < len(tokens) else ""
        marker = (
            f'<resumptionToken cursor="{number}" completeListSize="{len(records)}">'
            f"{token}</resumptionToken>"
        )
        pages.append(f"{head}{record}\n{marker}\n{tail}".encode())
    return pages


# --- OAI-PMH ---------------------------------------------------------------------------------


def test_recorded_listrecords_waits_out_the_503(
    recorded: ReplayServer, client: HttpClient, sleeps: list[float]
) -> None:
    harvester = OaiHarvester(client, recorded.url + "/oai2")
    pages = list(harvester.pages(None, date(2015, 1, 1), until_date=date(2015, 1, 3)))
    assert sleeps == [10.0]
    assert len(pages) == 1
    page = pages[0]
    assert [r.arxiv_id for r in page.records] == ["1412.8544", "hep-th/9504118"]
    assert (
        page.records[0].title
        == "A Kochen-Specker system has at least 22 vectors (extended abstract)"
    )
    assert page.records[0].authors == ("Sander Uijlen", "Bas Westerbaan")
    assert page.resumption_token is None
    assert page.latest_datestamp == date(2015, 1, 3)
    assert [sorted(r.query) for r in recorded.log] == [
        [("from", "2015-01-01"), ("metadataPrefix", "arXiv"), ("until", "2015-01-03"),
         ("verb", "ListRecords")]
    ] * 2  # fmt: skip


def test_harvest_follows_resumption_tokens(
    replay_server: ReplayServer, client: HttpClient, shared_data: Path
) -> None:
    token = "6172345|1001"
    first, second = split_pages(listrecords_body(shared_data), [token])
    replay_server.add(
        "GET",
        "/oai2?verb=ListRecords&metadataPrefix=arXiv&from=2015-01-01&set=cs",
        [(200, {}, first)],
    )
    replay_server.add("GET", f"/oai2?verb=ListRecords&resumptionToken={token}", [(200, {}, second)])
    pages = OaiHarvester(client, replay_server.url + "/oai2").pages("cs", date(2015, 1, 1))

    page = next(pages)
    # Lazy: nothing is asked for the second page until the caller has stored the first.
    assert len(replay_server.log) == 1
    assert ([r.arxiv_id for r in page.records], page.resumption_token) == (["1412.8544"], token)
    assert (page.cursor, page.complete_list_size) == (0, 2)

    rest = list(pages)
    assert [[r.arxiv_id for r in p.records] for p in rest] == [["hep-th/9504118"]]
    assert rest[0].resumption_token is None
    assert [r.param("resumptionToken") for r in replay_server.log] == [None, token]
    assert replay_server.log[1].query == [("verb", "ListRecords"), ("resumptionToken", token)]


def test_harvest_resumes_from_a_stored_token(
    replay_server: ReplayServer, client: HttpClient, shared_data: Path
) -> None:
    _, second = split_pages(listrecords_body(shared_data), ["6172345|1001"])
    replay_server.add(
        "GET", "/oai2?verb=ListRecords&resumptionToken=6172345|1001", [(200, {}, second)]
    )
    harvester = OaiHarvester(client, replay_server.url + "/oai2")
    pages = list(harvester.pages("cs", date(2015, 1, 1), resumption_token="6172345|1001"))
    assert [[r.arxiv_id for r in p.records] for p in pages] == [["hep-th/9504118"]]
    assert len(replay_server.log) == 1


def test_a_token_handed_back_unchanged_stops_the_harvest(
    replay_server: ReplayServer, client: HttpClient, shared_data: Path
) -> None:
    first, _ = split_pages(listrecords_body(shared_data), ["same"])
    replay_server.add("GET", lambda path, query: path == "/oai2", [(200, {}, first)])
    pages = OaiHarvester(client, replay_server.url + "/oai2").pages(None, None)
    assert next(pages).resumption_token == "same"
    assert next(pages).resumption_token == "same"
    with pytest.raises(FetchError, match="returned the same resumptionToken again"):
        next(pages)


def test_oai_errors_and_http_errors_are_clear(
    replay_server: ReplayServer, client: HttpClient, shared_data: Path
) -> None:
    body = listrecords_body(shared_data)
    head = body[: body.index("<ListRecords>")]
    error = head + '<error code="badResumptionToken">The token is expired</error>\n</OAI-PMH>\n'
    replay_server.add(
        "GET", "/oai2?verb=ListRecords&resumptionToken=old", [(200, {}, error.encode())]
    )
    harvester = OaiHarvester(client, replay_server.url + "/oai2")
    with pytest.raises(InvalidInput, match="badResumptionToken: The token is expired"):
        next(harvester.pages(None, None, "old"))
    # A wrong base URL answers 404: say so rather than fail to parse an HTML page.
    with pytest.raises(
        FetchError, match=r"/oai2\?verb=ListRecords&metadataPrefix=arXiv answered HTTP 404"
    ):
        next(harvester.pages(None, None))


# --- arXiv API ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1605.08386"], [("1605.08386", 1, "Heat-bath random walks with Markov bases")]),
        (
            ["astro-ph/0601001"],
            [
                (
                    "astro-ph/0601001",
                    1,
                    "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit"
                    " Surveys Toward the Galactic Bulge and Carina",
                )
            ],
        ),
        (["2104.12255v1"], [("2104.12255", 1, "0")]),
        (
            ["quant-ph/0201082v1"],
            [
                (
                    "quant-ph/0201082",
                    1,
                    "Quantum Computers and Quantum Computer Languages: Quantum Assembly Language"
                    " and Quantum C Language",
                )
            ],
        ),
        # 0808.05394 is no id arXiv knows (a five-digit number before 2015): only one comes back.
        (
            ["0808.05394", "1707.08567"],
            [
                (
                    "1707.08567",
                    1,
                    "Proceedings of Workshop AEW10: Concepts in Information Theory and"
                    " Communications",
                )
            ],
        ),
        (["0000.0000"], []),
    ],
)
def test_by_ids_returns_the_recorded_records(
    recorded: ReplayServer,
    client: HttpClient,
    ids: list[str],
    expected: list[tuple[str, int, str]],
) -> None:
    records = ArxivApi(client, recorded.url + "/api/query").by_ids(ids)
    assert [(r.arxiv_id, r.version, r.title) for r in records] == expected
    assert len(recorded.log) == 1
    assert recorded.log[0].param("id_list") == ",".join(ids)


def test_by_ids_author_lists(recorded: ReplayServer, client: HttpClient) -> None:
    api = ArxivApi(client, recorded.url + "/api/query")
    (heat,) = api.by_ids(["1605.08386"])
    assert heat.authors == ("Caprice Stanley", "Tobias Windisch")
    (jupiters,) = api.by_ids(["astro-ph/0601001"])
    assert jupiters.authors == (
        "Andrew Gould",
        "Susan Dorsher",
        "B. Scott Gaudi",
        "Andrzej Udalski",
    )
    assert jupiters.categories == ("astro-ph",)


def test_malformed_id_raises_arxivs_message(
    recorded: ReplayServer, client: HttpClient, sleeps: list[float]
) -> None:
    with pytest.raises(InvalidInput, match="arXiv API error: incorrect id format for abc"):
        ArxivApi(client, recorded.url + "/api/query").by_ids(["abc"])
    assert sleeps == []  # a 400 is not retried


def test_by_ids_asks_in_chunks_of_100(
    replay_server: ReplayServer, client: HttpClient, shared_data: Path
) -> None:
    empty = json.loads(
        (shared_data / "arxiv-api-atom" / "id_0000.0000_s0_m100_8b51d9633a68.json").read_text()
    )["body"].encode()
    replay_server.add("GET", lambda path, query: path == "/api/query", [(200, {}, empty)])
    ids = [f"2501.{n:05d}" for n in range(250)]
    assert ArxivApi(client, replay_server.url + "/api/query").by_ids(ids) == []
    asked = [r.param("id_list") or "" for r in replay_server.log]
    assert [len(a.split(",")) for a in asked] == [100, 100, 50]
    assert ",".join(asked).split(",") == ids
    assert {r.param("max_results") for r in replay_server.log} == {"100"}
    assert ArxivApi(client, replay_server.url + "/api/query").by_ids([]) == []
    assert len(replay_server.log) == 3


def test_search_pages(recorded: ReplayServer, client: HttpClient) -> None:
    api = ArxivApi(client, recorded.url + "/api/query")
    page = api.search("testing", start=10, max_results=10)
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 10, 10)
    assert [r.arxiv_id for r in page.records][:3] == ["2403.16981", "2004.03322", "1912.09881"]
    assert page.records[0].title == "The Sample Complexity of Simple Binary Hypothesis Testing"
    assert page.records[0].version == 2
    first = api.search("testing", max_results=15)
    assert len(first.records) == 15 and first.start_index == 0
