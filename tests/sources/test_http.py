"""HttpClient against a real loopback server: User-Agent, pacing, retries, Retry-After, failures."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from dailypapers.errors import FetchError
from dailypapers.sources.http import HttpClient, default_user_agent, expect_status

if TYPE_CHECKING:
    from replay import ReplayServer

# The replay server comes in as a plugin (fixtures replay_server, refused_url) rather than by
# import, so that pytest rewrites its asserts.

LISTRECORDS = "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"
LISTRECORDS_QUERY = "/oai2?metadataPrefix=arXiv&from=2015-01-01&until=2015-01-03&verb=ListRecords"


class Sleeps:
    """A sleep that records what it was asked and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def test_default_user_agent_names_the_project_and_contact() -> None:
    assert default_user_agent(None) == (
        "dailypapers/0.1.0 (+https://github.com/dailypapers; self-hosted)"
    )
    assert default_user_agent("https://papers.example.org") == (
        "dailypapers/0.1.0 (+https://papers.example.org; self-hosted)"
    )


def test_user_agent_arrives_and_one_connection_is_reused(replay_server: ReplayServer) -> None:
    replay_server.add("GET", "/ping", [(200, {"Content-Type": "text/plain"}, b"pong")])
    with HttpClient(default_user_agent("https://hub.example")) as client:
        bodies = [client.get(f"{replay_server.url}/ping").content for _ in range(3)]
    assert bodies == [b"pong"] * 3
    assert [r.headers["user-agent"] for r in replay_server.log] == [
        "dailypapers/0.1.0 (+https://hub.example; self-hosted)"
    ] * 3
    assert len({r.client_port for r in replay_server.log}) == 1


def test_min_interval_is_kept_between_request_starts(replay_server: ReplayServer) -> None:
    replay_server.add("GET", "/ping", [(200, {}, b"pong")])
    with HttpClient(min_interval=0.2) as client:
        for _ in range(4):
            client.get(f"{replay_server.url}/ping")
    times = [r.time for r in replay_server.log]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 3
    # The server stamps arrival, after the client's start: a busy machine can delay one stamp
    # and shorten the next gap by some milliseconds; without the interval, gaps are about 1 ms.
    assert min(gaps) >= 0.15, gaps


def test_recorded_503_retry_after_10_then_200(
    replay_server: ReplayServer, shared_data: Path
) -> None:
    replay_server.load(shared_data / "arxiv-oaipmh" / LISTRECORDS)
    sleeps = Sleeps()
    with HttpClient(sleep=sleeps) as client:
        response = client.get(replay_server.url + LISTRECORDS_QUERY)
    assert response.status_code == 200
    assert b"<identifier>oai:arXiv.org:1412.8544</identifier>" in response.content
    assert sleeps.calls == [10.0]
    assert len(replay_server.log) == 2


def test_retry_after_as_http_date_and_capped(replay_server: ReplayServer) -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    replay_server.add(
        "GET",
        "/busy",
        [
            (429, {"Retry-After": soon}, b""),
            (503, [("Retry-After", "86400")], b""),
            (200, {}, b"ok"),
        ],
    )
    sleeps = Sleeps()
    with HttpClient(sleep=sleeps, max_retry_after=600) as client:
        assert client.get(f"{replay_server.url}/busy").content == b"ok"
    assert 110 < sleeps.calls[0] <= 120
    assert sleeps.calls[1] == 600


def test_transient_statuses_back_off_exponentially_then_fail(replay_server: ReplayServer) -> None:
    replay_server.add("GET", "/down?q=x", [(502, {}, b"bad gateway")])
    sleeps = Sleeps()
    with (
        HttpClient(retries=4, backoff=0.5, sleep=sleeps) as client,
        pytest.raises(FetchError) as err,
    ):
        client.get(f"{replay_server.url}/down", params={"q": "x"})
    assert sleeps.calls == [0.5, 1.0, 2.0, 4.0]
    assert len(replay_server.log) == 5
    assert str(err.value) == (
        f"{replay_server.url}/down?q=x answered HTTP 502 Bad Gateway after 5 attempts"
    )


def test_a_500_then_success_needs_one_retry(replay_server: ReplayServer) -> None:
    replay_server.add("GET", "/flaky", [(500, {}, b""), (200, {}, b"fine")])
    sleeps = Sleeps()
    with HttpClient(backoff=0.25, sleep=sleeps) as client:
        assert client.get(f"{replay_server.url}/flaky").content == b"fine"
    assert sleeps.calls == [0.25]


def test_client_errors_come_back_without_retry(replay_server: ReplayServer) -> None:
    sleeps = Sleeps()
    with HttpClient(sleep=sleeps) as client:
        response = client.get(f"{replay_server.url}/nowhere")
    assert response.status_code == 404
    assert b"replay: no recording for GET /nowhere" in response.content
    assert sleeps.calls == []
    with pytest.raises(FetchError, match=r"/nowhere answered HTTP 404 Not Found$"):
        expect_status(response)


def test_unreachable_host_raises_a_clear_fetch_error(refused_url: str) -> None:
    url = refused_url
    sleeps = Sleeps()
    started = time.monotonic()
    with HttpClient(retries=2, sleep=sleeps) as client, pytest.raises(FetchError) as err:
        client.get(f"{url}/oai2", params={"verb": "Identify"})
    assert str(err.value) == (
        f"could not reach {url}/oai2?verb=Identify (connection refused) after 3 attempts"
    )
    assert sleeps.calls == [1.0, 2.0]
    assert time.monotonic() - started < 2


def test_timeouts_are_retried_and_reported() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    sleeps = Sleeps()
    client = HttpClient(retries=1, sleep=sleeps, transport=httpx.MockTransport(hang))
    with client, pytest.raises(FetchError) as err:
        client.get("https://export.arxiv.org/api/query")
    assert str(err.value) == (
        "could not reach https://export.arxiv.org/api/query (timed out) after 2 attempts"
    )
    assert sleeps.calls == [1.0]


def test_an_unsupported_url_fails_at_once() -> None:
    sleeps = Sleeps()
    with HttpClient(sleep=sleeps) as client, pytest.raises(FetchError, match="ftp://"):
        client.get("ftp://export.arxiv.org/oai2")
    assert sleeps.calls == []


def test_replay_serves_every_recording_in_turn(
    replay_server: ReplayServer, shared_data: Path
) -> None:
    replay_server.load(shared_data / "arxiv-api-atom", shared_data / "arxiv-oaipmh")
    assert len(replay_server.routes) == 31
    with httpx.Client() as client:
        for route in replay_server.routes:
            assert isinstance(route.matcher, str)
            statuses = [
                client.get(replay_server.url + route.matcher).status_code for _ in route.replies
            ]
            assert statuses == [reply.status for reply in route.replies]
    listrecords = [r for r in replay_server.routes if "ListRecords" in str(r.matcher)]
    assert [[reply.status for reply in r.replies] for r in listrecords] == [[503, 200]]
