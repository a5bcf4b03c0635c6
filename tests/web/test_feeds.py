"""Atom and RSS feeds, parsed by feedparser: valid, stable ids, linked from their pages."""

from __future__ import annotations

import feedparser
import pytest

from web.conftest import Site


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/feeds/daily.{fmt}", "/"),
        ("/feeds/trending.{fmt}?window=week", "/trending?window=week"),
        ("/feeds/search.{fmt}?q=video+generation", "/search?q=video+generation"),
    ],
)
def test_feeds_validate_and_link_to_papers(site: Site, fmt: str, path: str, page: str) -> None:
    client = site.client()
    answer = client.get(path.format(fmt=fmt))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(f"application/{fmt}+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if fmt == "atom" else "rss20")
    assert len(feed.entries) >= 5
    for entry in feed.entries:
        assert entry.id == entry.link and "/papers/" in entry.link
        assert entry.title and entry.get("summary") is not None
    # Stable: the same request gives the same ids, and the page announces the feed.
    again = feedparser.parse(client.get(path.format(fmt=fmt)).content)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    html = client.get(page).text
    assert f'type="application/{fmt}+xml"' in html


def test_daily_feed_holds_the_last_week_newest_first(site: Site) -> None:
    feed = feedparser.parse(site.client().get("/feeds/daily.atom").content)
    first = feed.entries[0]
    assert first.updated.startswith("2026-02-27")
    assert feed.entries[-1].updated >= "2026-02-21"
    assert first.authors and first.authors[0]["name"]


def test_category_feed(site: Site) -> None:
    from dailypapers.models import PaperRecord

    site.hub.ingest(
        [
            PaperRecord(
                title=f"Lattice result {n}",
                arxiv_id=f"2612.0010{n}",
                categories=("hep-lat", "hep-ph"),
                published=__import__("datetime").datetime(
                    2026, 11, n, tzinfo=__import__("datetime").UTC
                ),
            )
            for n in range(1, 4)
        ]
    )
    site.hub.index()
    for fmt in ("atom", "rss"):
        feed = feedparser.parse(site.client().get(f"/feeds/category/hep-lat.{fmt}").content)
        assert not feed.bozo
        assert [e.title for e in feed.entries] == [
            "Lattice result 3",
            "Lattice result 2",
            "Lattice result 1",
        ]
        assert feed.entries[0].tags[0]["term"] == "hep-lat"
    empty = feedparser.parse(site.client().get("/feeds/category/astro-ph.CO.atom").content)
    assert not empty.bozo and empty.entries == []


def test_feed_errors(site: Site) -> None:
    client = site.client()
    missing_query = client.get("/feeds/search.atom")
    assert missing_query.status_code == 400
    assert missing_query.headers["content-type"] == "application/problem+json"
    assert client.get("/feeds/daily.json").status_code == 400
