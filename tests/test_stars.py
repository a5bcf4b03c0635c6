"""GitHub stars of listed papers' code: asked of a loopback server replaying GitHub's recorded
answers (a repository, a renamed one's redirect), once a day per repository with the last
answer's ETag, within the hour's allowance; what GitHub does not describe asked about later; on
SQLite and PostgreSQL, through the hub, the CLI, the API's JSON and the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.cli import main
from dailypapers.config import load_settings
from dailypapers.errors import FetchError, NotFound
from dailypapers.hub import Hub
from dailypapers.models import Listing, PaperRecord
from dailypapers.sources.github import repository
from dailypapers.web import create_app
from dailypapers.wire import paper_json
from replay import ReplayServer, Reply, load_recordings

DAY = date(2026, 2, 27)
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
HELLO = "https://github.com/octokit-fixture-org/hello-world"
RENAMED = (
    "https://github.com/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod"
)
HELLO_ETAG = '"b6bf76818c02a332828422c6fa78009ad1f08f302c18524af715ed641f004227"'
NOT_FOUND = json.dumps(
    {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
        "status": "404",
    }
).encode()


def listed(arxiv_id: str, rank: int, code: str | None, stars: int | None = None) -> PaperRecord:
    """A paper as Hugging Face's daily list gives it, with its code link and stars."""
    return PaperRecord(
        f"Paper {arxiv_id}",
        arxiv_id=arxiv_id,
        authors=("A. Author",),
        github_repo=code,
        github_stars=stars,
        upvotes=3,
        listing=Listing(DAY, rank),
    )


def serve_github(server: ReplayServer, test_data: Path) -> None:
    """GitHub's recorded answers, its redirects pointed at the loopback server."""
    for route in load_recordings(test_data / "github"):
        route.replies = [
            replace(
                reply,
                headers=[
                    (key, value.replace("https://api.github.com", server.url))
                    for key, value in reply.headers
                ],
            )
            for reply in route.replies
        ]
        server.extend([route])


def recorded(server: ReplayServer, path: str) -> Reply:
    route = next(r for r in server.routes if r.matcher == path)
    return route.replies[0]


def with_headers(reply: Reply, **changed: str) -> Reply:
    names = {key.replace("_", "-").lower(): value for key, value in changed.items()}
    kept = [(key, value) for key, value in reply.headers if key.lower() not in names]
    return replace(reply, headers=[*kept, *names.items()])


@pytest.fixture
def hub(tmp_path: Path, db_url: str, replay_server: ReplayServer) -> Iterator[Hub]:
    settings = {
        "data_dir": tmp_path,
        "database_url": "" if db_url.startswith("sqlite") else db_url,
        "github_api_url": replay_server.url,
        "github_delay": 0,
        "fetch_retries": 1,
    }
    opened, _ = Hub.init(load_settings(settings, {}))
    yield opened
    opened.close()


def asked(server: ReplayServer) -> list[str]:
    return [entry.path for entry in server.log]


def test_repository_names_come_from_links_to_github_only() -> None:
    assert repository(HELLO) == "octokit-fixture-org/hello-world"
    assert repository("https://github.com/a-b/c.d_e.git") == "a-b/c.d_e"
    assert repository("http://www.GitHub.com/owner/name/tree/main/src?x=1#top") == "owner/name"
    for link in (
        None,
        "",
        "https://github.com/octokit-fixture-org",
        "https://gitlab.com/owner/name",
        "https://github.com.evil.example/owner/name",
        "https://github.com/-owner/name",
        "https://github.com/owner/..",
        "ftp://github.com/owner/name",
    ):
        assert repository(link) is None, link


def test_stars_come_from_github_once_a_day_and_cost_nothing_when_unchanged(
    hub: Hub, replay_server: ReplayServer, test_data: Path
) -> None:
    serve_github(replay_server, test_data)
    hub.ingest(
        [
            listed("2602.00001", 1, HELLO, stars=12),  # Hugging Face said 12
            listed("2602.00002", 2, RENAMED),
            listed("2602.00003", 3, "https://gitlab.com/group/project"),
            listed("2602.00004", 4, "https://github.com/octokit-fixture-org"),
            # Not on a list: nobody reads it, so nothing is asked for it.
            replace(listed("2602.00005", 5, HELLO), listing=None),
        ]
    )
    assert hub.paper("2602.00001").github_stars == 12
    assert hub.site_status()["github_stars"] == {"linked": 3, "counted": 1, "failed": 0}

    report = hub.fetch_stars(now=NOW)
    # The renamed repository answers 301 to where it went, which is followed.
    assert asked(replay_server) == [
        "/repos/octokit-fixture-org/hello-world",
        "/repos/octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod",
        "/repositories/515436299",
    ]
    assert report.changed == ["2602.00001", "2602.00002"] and report.unchanged == []
    assert report.failed == {"2602.00004": "the code link is not to a GitHub repository"}
    assert report.requests == 2 and report.stopped is None
    # GitHub's count replaces what Hugging Face showed, and a later import does not undo it.
    assert hub.paper("2602.00001").github_stars == 0
    assert hub.paper("2602.00002").github_stars == 0
    hub.ingest([listed("2602.00001", 1, HELLO, stars=40)])
    assert hub.paper("2602.00001").github_stars == 0
    assert hub.site_status()["github_stars"] == {"linked": 3, "counted": 2, "failed": 1}
    first = replay_server.log[0].headers
    assert first["accept"] == "application/vnd.github+json"
    assert first["x-github-api-version"] == "2022-11-28"
    assert first["user-agent"].startswith("dailypapers/")
    assert "authorization" not in first and "if-none-match" not in first

    # Asked again a day later, with the ETag of the last answer: 304, nothing changed.
    assert hub.fetch_stars(now=NOW + timedelta(hours=23)).requests == 0
    route = next(
        r for r in replay_server.routes if r.matcher == "/repos/octokit-fixture-org/hello-world"
    )
    route.replies.append(Reply(304, [("ETag", HELLO_ETAG), ("X-RateLimit-Remaining", "4961")]))
    again = hub.fetch_stars(["2602.00001"], now=NOW + timedelta(hours=25))
    assert replay_server.log[-1].headers["if-none-match"] == HELLO_ETAG
    assert again.unchanged == ["2602.00001"] and again.changed == []
    assert hub.paper("2602.00001").github_stars == 0


def test_a_repository_github_does_not_have_shows_no_stars_and_is_asked_about_later(
    hub: Hub, replay_server: ReplayServer
) -> None:
    missing = "/repos/someone/gone"
    replay_server.add("GET", missing, [(404, {"Content-Type": "application/json"}, NOT_FOUND)])
    hub.ingest([listed("2602.00001", 1, "https://github.com/someone/gone", stars=7)])
    report = hub.fetch_stars(now=NOW)
    assert report.failed == {"2602.00001": f"{replay_server.url}{missing} answered HTTP 404"}
    assert hub.paper("2602.00001").github_stars is None
    assert hub.site_status()["github_stars"]["failed"] == 1
    # A day, then two more after the next miss.
    assert hub.fetch_stars(now=NOW + timedelta(hours=23)).requests == 0
    assert hub.fetch_stars(now=NOW + timedelta(hours=25)).requests == 1
    assert hub.fetch_stars(now=NOW + timedelta(days=2, hours=23)).requests == 0
    assert hub.fetch_stars(now=NOW + timedelta(days=3, hours=2)).requests == 1

    # An answer without a count is the repository's failure too, said as such.
    replay_server.add("GET", "/repos/someone/odd", [(200, {}, b'{"stargazers_count": "many"}')])
    hub.ingest([listed("2602.00002", 2, "https://github.com/someone/odd")])
    odd = hub.fetch_stars(["2602.00002"], now=NOW)
    assert odd.failed == {
        "2602.00002": f"{replay_server.url}/repos/someone/odd gave no star count: 'many'"
    }


def test_a_run_stops_when_github_allows_no_more_requests(
    hub: Hub, replay_server: ReplayServer, test_data: Path
) -> None:
    serve_github(replay_server, test_data)
    hello = recorded(replay_server, "/repos/octokit-fixture-org/hello-world")
    reset = "1772456400"  # 2026-03-02 13:00 UTC
    last = with_headers(hello, x_ratelimit_remaining="0", x_ratelimit_reset=reset)
    replay_server.routes.clear()
    for name in ("one", "two", "three"):
        replay_server.add("GET", f"/repos/lab/{name}", [last if name == "two" else hello])
    hub.ingest(
        listed(f"2602.0000{n}", n, f"https://github.com/lab/{name}")
        for n, name in enumerate(("one", "two", "three"), 1)
    )
    report = hub.fetch_stars(now=NOW)
    # The second answer says it was the hour's last: the third waits for the next run.
    assert asked(replay_server) == ["/repos/lab/one", "/repos/lab/two"]
    assert report.changed == ["2602.00001", "2602.00002"]
    assert report.stopped == "GitHub allows no more requests until 13:00 UTC"
    assert hub.paper("2602.00003").github_stars is None

    # Refused outright (another client spent the allowance): nothing is held against the paper.
    spent = {
        "Content-Type": "application/json",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset,
    }
    replay_server.routes.clear()
    replay_server.add(
        "GET", "/repos/lab/three", [(403, spent, b'{"message": "API rate limit exceeded"}')]
    )
    refused = hub.fetch_stars(now=NOW)
    assert refused.requests == 0 and refused.failed == {}
    assert refused.stopped == "GitHub allows no more requests until 13:00 UTC"
    assert hub.site_status()["github_stars"]["failed"] == 0

    # GitHub down is GitHub's failure, not the paper's.
    replay_server.routes.clear()
    replay_server.add("GET", "/repos/lab/three", [(502, {}, b"bad gateway")])
    with pytest.raises(FetchError, match=r"answered HTTP 502 .* after 2 attempts"):
        hub.fetch_stars(now=NOW)
    assert hub.site_status()["github_stars"]["failed"] == 0


def test_a_token_is_sent_and_named_papers_are_asked_about(
    hub: Hub,
    replay_server: ReplayServer,
    test_data: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serve_github(replay_server, test_data)
    hub.ingest([listed("2602.00001", 1, HELLO), listed("2602.00002", 2, None)])
    with pytest.raises(NotFound, match=r"no paper 2999\.00001 here"):
        hub.fetch_stars(["2999.00001"], now=NOW)
    assert replay_server.log == []

    monkeypatch.setenv("DAILYPAPERS_DATABASE_URL", hub.settings.database_url)
    monkeypatch.setenv("DAILYPAPERS_GITHUB_API_URL", replay_server.url)
    monkeypatch.setenv("DAILYPAPERS_GITHUB_DELAY", "0")
    monkeypatch.setenv("DAILYPAPERS_GITHUB_TOKEN", "ghp_example")
    data = ["--data-dir", str(hub.settings.data_dir)]
    assert main([*data, "fetch", "stars", "2602.00001"]) == 0
    assert capsys.readouterr().out == "changed: 1\nunchanged: 0\n"
    assert replay_server.log[-1].headers["authorization"] == "Bearer ghp_example"
    # A paper without a code link is named as such, and the run exits 1.
    assert main([*data, "fetch", "stars", "2602.00002", "--json"]) == 1
    shown = json.loads(capsys.readouterr().out)
    assert shown["failed"] == {"2602.00002": "no code link"} and shown["requests"] == 0


def test_pages_and_the_api_show_the_stars(hub: Hub) -> None:
    hub.ingest(
        [
            listed("2602.00001", 1, HELLO, stars=1234),
            listed("2602.00002", 2, None, stars=5),  # stars without a link to show them by
        ]
    )
    starred, unlinked = hub.paper("2602.00001"), hub.paper("2602.00002")
    assert paper_json(starred)["githubStars"] == 1234
    assert paper_json(unlinked)["githubStars"] is None
    client = TestClient(create_app(hub, hub.settings))
    daily = client.get(f"/?date={DAY.isoformat()}")
    assert daily.status_code == 200
    assert (
        f'<a href="{HELLO}" title="1,234 stars on GitHub">★ 1.2k'
        '<span class="visually-hidden"> stars on GitHub</span></a>'
    ) in daily.text
    assert daily.text.count("stars on GitHub</span>") == 1
    page = client.get("/papers/2602.00001")
    assert 'title="1,234 stars on GitHub">★ 1.2k' in page.text
    api = client.get(f"/api/daily_papers?date={DAY.isoformat()}").json()
    assert [item["paper"]["githubStars"] for item in api] == [1234, None]
