"""The site under test: a hub over the demo's real papers, its app, and members who use it."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.web import create_app
from replay import ReplayServer
from smtp_sink import Mailbox, smtp_server

PASSWORD = "correct horse battery"
# Debian's Chromium, driven by Playwright (which never downloads a browser here).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).parent / "screenshots"


def need_chromium() -> None:
    """Skip without Chromium, or fail where CI installed it and says so."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("DAILYPAPERS_REQUIRE_BROWSER"):
        pytest.fail(f"no Chromium at {CHROMIUM}", pytrace=False)
    pytest.skip(f"no Chromium at {CHROMIUM}")


_names = itertools.count(1)


@dataclass
class Site:
    hub: Hub
    app: Any
    path: Path

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def member(self, name: str | None = None) -> TestClient:
        """A browser signed in as a new member."""
        name = name or f"reader{next(_names)}"
        client = self.client()
        join(self.hub, client, name)
        client.name = name  # type: ignore[attr-defined]
        return client


def csrf_of(page_html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page_html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def signup(client: TestClient, name: str, email: str, password: str) -> Any:
    form = client.get("/signup")
    return client.post(
        "/signup",
        data={"name": name, "email": email, "password": password, "csrf": csrf_of(form.text)},
    )


def signin(client: TestClient, login: str, password: str) -> Any:
    form = client.get("/signin")
    data = {"login": login, "password": password, "csrf": csrf_of(form.text)}
    return client.post("/signin", data=data)


def person(site: Site, role: str = "member") -> tuple[TestClient, str]:
    """A browser signed in as a new member of ``role`` (made with a confirmed address, now),
    and their name."""
    name = f"{role}{next(_names)}"
    site.hub.create_user(name, f"{name}@example.org", PASSWORD, role)
    client = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    assert signin(client, name, PASSWORD).status_code == 303
    return client, name


def api_of(site: Site, name: str) -> TestClient:
    """An API client with a new token of member ``name``."""
    token, _ = site.hub.create_token(site.hub.user_named(name), "test")
    client = TestClient(site.app, follow_redirects=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def join(hub: Hub, client: TestClient, name: str) -> None:
    """Make ``client`` a browser signed in as the new member ``name``: signed up through the
    form, or, on a site that mails (where signing up waits for the mailed link, which
    tests/web/test_recovery.py follows), made with a confirmed address and signed in."""
    email = f"{name}@example.org"
    if not hub.mail_enabled:
        assert signup(client, name, email, PASSWORD).status_code == 303
        return
    hub.create_user(name, email, PASSWORD)
    assert signin(client, name, PASSWORD).status_code == 303


def make_site(directory: Path, arxiv_url: str | None = None, **settings: Any) -> Site:
    flags: dict[str, Any] = {
        "data_dir": directory,
        # Generous limits, and no account counted new: tests of the limits set their own.
        "new_member_hours": 0,
        "limit_signup": 10_000,
        "limit_signin": 10_000,
        "limit_votes": 10_000,
        "limit_comments": 10_000,
        "limit_submits": 10_000,
        "arxiv_delay": 0,
        "fetch_retries": 1,
        **settings,
    }
    if arxiv_url:
        flags["arxiv_api_url"] = arxiv_url
    hub, _ = Hub.init(load_settings(flags, {}))
    hub.load_demo()
    hub.index()
    # Kept responses are checked against the store on every request, so tests see each change.
    app = create_app(hub, hub.settings, background_index=False, recheck_s=0)
    return Site(hub, app, directory)


def mailing_fixtures(
    label: str, backends: tuple[str, ...] = ("sqlite", "postgresql")
) -> tuple[Any, Any]:
    """A module's ``mailbox`` (an SMTP server on loopback) and ``site`` fixtures: a site that
    mails it, once on SQLite and once on a fresh database of the session's PostgreSQL (or on
    ``backends``). Use ``mailbox, site = mailing_fixtures("name")`` at the top of the
    module."""

    @pytest.fixture(scope="module", name="mailbox")
    def mailbox_fixture() -> Iterator[Mailbox]:
        with smtp_server() as box:
            yield box

    @pytest.fixture(scope="module", name="site", params=list(backends))
    def site_fixture(
        request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory,
        mailbox: Mailbox,
    ) -> Iterator[Site]:
        database = ""
        if request.param == "postgresql":
            database = request.getfixturevalue("new_database")()
        made = make_site(
            tmp_path_factory.mktemp(f"{label}-{request.param}"),
            smtp_url=mailbox.url,
            base_url="https://papers.example.org",
            database_url=database,
            mail_from="Daily Papers <papers@papers.example.org>",
            limit_confirmations=100_000,
        )
        try:
            yield made
        finally:
            made.hub.close()

    return mailbox_fixture, site_fixture


@pytest.fixture(scope="module")
def arxiv(shared_data: Path) -> Iterator[ReplayServer]:
    """arXiv's API on loopback, answering with the recorded responses."""
    with ReplayServer() as server:
        server.load(shared_data / "arxiv-api-atom")
        yield server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, arxiv: ReplayServer) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("site"), arxiv.url + "/api/query")
    yield made
    made.hub.close()


@dataclass
class LiveServer:
    url: str
    site: Site


@contextmanager
def serving(app: Any, port: int = 0) -> Iterator[str]:
    """``app`` served by uvicorn on a loopback port (``port``, else any free one) while the
    block runs; its URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # Start-up loads the embedding model, exported once per data dir: seconds, on a cold start.
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(site: Site) -> Iterator[LiveServer]:
    """The site served by uvicorn on a loopback port, for real HTTP clients."""
    with serving(site.app) as url:
        yield LiveServer(url, site)
