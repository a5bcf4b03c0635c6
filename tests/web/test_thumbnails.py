"""Thumbnails end to end: listed papers' PDFs fetched from a loopback server that serves real
arXiv PDFs, rendered, kept in the store and the data dir, served for good under their content's
hash, and shown on cards, paper pages, the API and in link previews; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from dailypapers.errors import FetchError, NotFound
from dailypapers.jobs import Worker
from dailypapers.models import Listing, PaperRecord
from dailypapers.sources import arxiv_fetch
from replay import ReplayServer

from .conftest import Site, make_site

# The two real arXiv PDFs of the shared data, and the papers they are.
REAL = {
    "2304.02623": "Beyond Summarization: Designing AI Support for Real-World Expository Writing",
    "2302.07302": "CiteSee: Augmenting Citations in Scientific Papers with Persistent and "
    "Personalized Historical Context",
}
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def pdfs(shared_data: Path) -> Iterator[ReplayServer]:
    """arxiv.org/pdf/ID on loopback: the two real PDFs, 404 for every other paper (arXiv's
    answer to an id it has no PDF of), and a few broken answers under ids of their own."""
    with ReplayServer() as server:
        for ident in REAL:
            body = (shared_data / "arxiv-pdf" / f"{ident}v1.pdf").read_bytes()
            server.add("GET", f"/pdf/{ident}v1", [(200, {"Content-Type": "application/pdf"}, body)])
        html = b"<!DOCTYPE html><title>Just a moment...</title>"
        server.add("GET", "/pdf/2602.99901v1", [(200, {"Content-Type": "text/html"}, html)])
        broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
        server.add("GET", "/pdf/2602.99902v1", [(200, {"Content-Type": "application/pdf"}, broken)])
        server.add("GET", "/pdf/2602.99903v1", [(503, {"Retry-After": "0"}, b"down")])
        yield server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pdfs: ReplayServer
) -> Iterator[Site]:
    database = request.getfixturevalue("new_database")() if request.param == "postgresql" else ""
    made = make_site(
        tmp_path_factory.mktemp(f"thumbnails-{request.param}"),
        database_url=database,
        arxiv_pdf_url=pdfs.url + "/pdf/{id}",
        base_url="https://papers.example.org",
    )
    # The real papers listed on a day after the demo's last, so the worker takes them first.
    day = made.hub.latest_day() + timedelta(days=1)  # type: ignore[operator]
    made.hub.ingest(
        PaperRecord(title, arxiv_id=ident, version=1, listing=Listing(day, rank))
        for rank, (ident, title) in enumerate(REAL.items(), start=1)
    )
    made.hub.ingest(
        PaperRecord(f"Broken {number}", arxiv_id=f"2602.9990{number}", version=1)
        for number in (1, 2, 3)
    )
    yield made
    made.hub.close()


def asked(server: ReplayServer, since: int) -> list[str]:
    return [entry.path.removeprefix("/pdf/") for entry in server.log[since:]]


def test_listed_papers_get_their_first_page_newest_first(site: Site, pdfs: ReplayServer) -> None:
    hub = site.hub
    before = len(pdfs.log)
    report = hub.fetch_thumbnails(limit=2, now=NOW)
    assert report.rendered == ["2304.02623", "2302.07302"] and not report.failed
    assert asked(pdfs, before) == ["2304.02623v1", "2302.07302v1"]
    assert "dailypapers/" in pdfs.log[-1].headers["user-agent"]

    paper = hub.paper("2304.02623")
    assert paper.thumbnail is not None
    digest = paper.thumbnail.digest
    assert (paper.thumbnail.width, paper.thumbnail.height) == (480, 621)
    kept = site.path / "thumbnails" / digest[:2] / f"{digest}.webp"
    assert kept.is_file()

    client = site.client()
    answer = client.get(f"/thumbnails/{digest}.webp")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/webp"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.content == kept.read_bytes()
    assert Image.open(io.BytesIO(answer.content)).size == (480, 621)

    url = f"/thumbnails/{digest}.webp"
    day = paper.listings[0].date.isoformat()
    items = client.get(f"/api/daily_papers?date={day}").json()
    assert [item["thumbnail"] for item in items if item["paper"]["id"] == paper.id] == [url]
    page = client.get("/papers/2304.02623").text
    assert f'<img class="thumb" src="{url}" alt="" width="480" height="621" decoding' in page
    assert f'<meta property="og:image" content="https://papers.example.org{url}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    # The day's list: each card has its image, loaded lazily, its size set.
    listed = client.get(f"/?date={day}").text
    assert f'src="{url}" alt="" width="480" height="621" loading="lazy"' in listed
    # A paper still without one shows its title card, of the card's size.
    others = client.get("/api/daily_papers?limit=1&date=2026-02-27").json()
    assert others[0]["thumbnail"] == f"/thumbnails/{others[0]['paper']['id']}.svg"
    card = client.get("/?date=2026-02-27").text
    assert (
        f'src="/thumbnails/{others[0]["paper"]["id"]}.svg" alt="" width="480" height="270"' in card
    )


def test_an_import_keeps_the_thumbnail(site: Site) -> None:
    hub = site.hub
    digest = hub.paper("2302.07302").thumbnail
    assert digest is not None
    hub.ingest([PaperRecord(REAL["2302.07302"], arxiv_id="2302.07302", abstract="New text.")])
    paper = hub.paper("2302.07302")
    assert paper.abstract == "New text." and paper.thumbnail == digest


def test_missing_pdfs_wait_longer_after_each_failure(site: Site, pdfs: ReplayServer) -> None:
    hub = site.hub
    before = len(pdfs.log)
    first = hub.fetch_thumbnails(limit=2, now=NOW)
    # The demo's papers have no PDF here: each one says so, and waits a day.
    assert len(first.failed) == 2 and not first.rendered
    assert all("answered HTTP 404: no PDF" in reason for reason in first.failed.values())
    second = hub.fetch_thumbnails(limit=2, now=NOW + timedelta(hours=1))
    assert set(second.failed).isdisjoint(first.failed)
    # A day later the first two are due again (they come first), and then wait two days.
    again = hub.fetch_thumbnails(limit=2, now=NOW + timedelta(hours=25))
    assert set(again.failed) == set(first.failed)
    later = hub.fetch_thumbnails(limit=2, now=NOW + timedelta(hours=50))
    assert set(later.failed).isdisjoint(first.failed)
    assert len(pdfs.log) - before == 8


def test_papers_named_by_hand_and_what_their_pdfs_do(
    site: Site, pdfs: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = site.hub
    report = hub.fetch_thumbnails(["2602.99901", "2602.99902"], now=NOW)
    assert "answered text/html, not a PDF" in report.failed["2602.99901"]
    assert "could not render its first page" in report.failed["2602.99902"]
    assert hub.paper("2602.99901").thumbnail is None
    with pytest.raises(NotFound, match=r"no paper 2699\.00001 here"):
        hub.fetch_thumbnails(["2602.99901", "2699.00001"], now=NOW)
    # arXiv down: the run stops and says so; no paper is blamed for it.
    with pytest.raises(FetchError, match="answered HTTP 503"):
        hub.fetch_thumbnails(["2602.99903"], now=NOW)
    assert "2602.99903" not in hub.fetch_thumbnails(limit=50, now=NOW + timedelta(days=60)).failed
    # A PDF larger than a thumbnail is worth is not read to its end.
    monkeypatch.setattr(arxiv_fetch, "PDF_MAX_BYTES", 100_000)
    big = hub.fetch_thumbnails(["2302.07302"], now=NOW)
    assert "bytes, over 100,000" in big.failed["2302.07302"]


def test_a_node_without_the_file_serves_the_stores_copy(site: Site) -> None:
    thumbnail = site.hub.paper("2304.02623").thumbnail
    assert thumbnail is not None
    kept = site.path / "thumbnails" / thumbnail.digest[:2] / f"{thumbnail.digest}.webp"
    data = kept.read_bytes()
    kept.unlink()
    client = site.client()
    assert client.get(f"/thumbnails/{thumbnail.digest}.webp").content == data
    assert kept.read_bytes() == data  # and keeps it from now on
    assert client.get(f"/thumbnails/{'0' * 64}.webp").status_code == 404
    assert client.get("/thumbnails/..%2F..%2Fsite.sqlite3.webp").status_code == 404


def test_the_worker_and_the_command_render_them(site: Site, pdfs: ReplayServer) -> None:
    hub = site.hub
    with hub.store.transaction() as tx:  # as if never rendered
        tx.conn.exec_driver_sql("UPDATE papers SET thumbnail = NULL WHERE arxiv_id = '2304.02623'")
    ran = dict(Worker(hub, index=False).tick(NOW.replace(minute=41)))
    assert ran["thumbnails"]["rendered"] == 1
    assert hub.paper("2304.02623").thumbnail is not None

    if hub.store.dialect != "sqlite":
        return  # the command reads the settings of a data dir: the SQLite site's
    env = {**os.environ, "DAILYPAPERS_ARXIV_PDF_URL": pdfs.url + "/pdf/{id}"}
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(site.path), "fetch"]
    done = subprocess.run(
        [*command, "thumbnails", "2302.07302", "2602.99901", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    out = json.loads(done.stdout)
    assert out["rendered"] == 1 and list(out["failed"]) == ["2602.99901"]
