"""Atom and RSS 2.0 feeds of the daily list, trending, any search, any arXiv category and any
author.

Entry ids are the papers' page URLs, which never change, so a reader shows a paper once however
often it reappears. Feeds are built as XML trees: ElementTree escapes everything, and every text
and attribute is cleaned of the characters XML cannot carry (``text.clean``) on the way in, so
a feed is well-formed whatever a query or an older row holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.errors import InvalidInput
from dailypapers.hub import embedding_available
from dailypapers.models import Paper
from dailypapers.text import clean
from dailypapers.web.deps import HubDep, SettingsDep
from dailypapers.web.render import author_url
from dailypapers.web.schema import FEED_MEDIA, READ

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
DAILY_DAYS = 7
Format = Literal["atom", "rss"]
MEDIA = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# How a feed operation is documented: XML of either kind, or a problem.
FEED: dict[str, Any] = {
    "response_class": Response,
    "responses": {200: {"description": "The feed", "content": FEED_MEDIA}, **READ},
}


def _moment(paper: Paper) -> datetime:
    """When a paper entered the feed's world: its first listing, else its publication.

    A list gives its day, not the moment each paper joined it: its papers are stamped at that
    midnight plus their rank in seconds, so that each entry of a day has its own time, in the
    list's order (feed readers sort and tell entries apart by it)."""
    if paper.listings:
        first = paper.listings[0]
        return datetime.combine(first.date, time.min, UTC) + timedelta(seconds=first.rank or 0)
    return paper.published or datetime(1970, 1, 1, tzinfo=UTC)


def _summary(paper: Paper) -> str:
    """The abstract; for a paper whose abstract is not known yet, who wrote it."""
    if paper.abstract:
        return paper.abstract
    if paper.authors:
        return f"By {', '.join(paper.authors)}."
    return paper.title


def _element(parent: ET.Element, tag: str, text: str | None, attrs: dict[str, str]) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: clean(value) for name, value in attrs.items()})
    if text is not None:
        element.text = clean(text)
    return element


def atom(title: str, self_url: str, page_url: str, papers: Sequence[Paper], base: str) -> bytes:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        return _element(parent, f"{{{ATOM_NS}}}{tag}", text, attrs)

    sub(feed, "title", title)
    sub(feed, "id", self_url)
    sub(feed, "link", rel="self", href=self_url, type=MEDIA["atom"])
    sub(feed, "link", rel="alternate", href=page_url, type="text/html")
    newest = max((_moment(p) for p in papers), default=datetime(2000, 1, 1, tzinfo=UTC))
    sub(feed, "updated", newest.isoformat())
    sub(feed, "generator", "dailypapers", version=__version__)
    for paper in papers:
        entry = sub(feed, "entry")
        url = f"{base}/papers/{paper.id}"
        sub(entry, "title", paper.title)
        sub(entry, "id", url)
        sub(entry, "link", rel="alternate", href=url, type="text/html")
        sub(entry, "updated", _moment(paper).isoformat())
        if paper.published:
            sub(entry, "published", paper.published.isoformat())
        for name in (paper.authors or ())[:20] or ["unknown"]:
            sub(sub(entry, "author"), "name", name)
        for category in paper.categories or ():
            sub(entry, "category", term=category)
        sub(entry, "summary", _summary(paper), type="text")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def rss(
    title: str, self_url: str, page_url: str, papers: Sequence[Paper], base: str, about: str
) -> bytes:
    ET.register_namespace("atom", ATOM_NS)
    root = ET.Element("rss", version="2.0")
    channel = ET.SubElement(root, "channel")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        return _element(parent, tag, text, attrs)

    sub(channel, "title", title)
    sub(channel, "link", page_url)
    sub(channel, "description", about)
    ET.SubElement(
        channel, f"{{{ATOM_NS}}}link", {"rel": "self", "href": self_url, "type": MEDIA["rss"]}
    )
    newest = max((_moment(p) for p in papers), default=datetime(2000, 1, 1, tzinfo=UTC))
    sub(channel, "lastBuildDate", format_datetime(newest))
    sub(channel, "generator", f"dailypapers {__version__}")
    for paper in papers:
        item = sub(channel, "item")
        url = f"{base}/papers/{paper.id}"
        sub(item, "title", paper.title)
        sub(item, "link", url)
        sub(item, "guid", url, isPermaLink="true")
        sub(item, "pubDate", format_datetime(_moment(paper)))
        sub(item, "description", _summary(paper))
        for category in paper.categories or ():
            sub(item, "category", category)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def feed(
    request: Request,
    fmt: str,
    base: str,
    title: str,
    page: str,
    papers: Sequence[Paper],
    about: str,
) -> Response:
    """``papers`` as the Atom or RSS feed at this request's URL, of the page at ``page``."""
    # The path as a URL writes it: a name in it may hold spaces and any letter.
    path = quote(request.url.path)
    self_url = base + path + (f"?{request.url.query}" if request.url.query else "")
    if fmt == "atom":
        body = atom(title, self_url, base + page, papers, base)
    else:
        body = rss(title, self_url, base + page, papers, base, about)
    return Response(body, media_type=f"{MEDIA[fmt]}; charset=utf-8")


router = APIRouter(prefix="/feeds", tags=["feeds"])


def respond(
    request: Request,
    settings: Settings,
    fmt: Format,
    title: str,
    page: str,
    papers: Sequence[Paper],
    about: str,
) -> Response:
    return feed(request, fmt, settings.base_url.rstrip("/"), title, page, papers, about)


@router.get("/daily.{fmt}", **FEED)
def daily(request: Request, fmt: Format, hub: HubDep, settings: SettingsDep) -> Response:
    """The papers of the last week of daily lists, newest day first."""
    papers = hub.recent_lists(DAILY_DAYS)
    return respond(
        request,
        settings,
        fmt,
        "Daily Papers",
        "/",
        papers[: FEED_SIZE * 4],
        "The daily list of papers.",
    )


@router.get("/trending.{fmt}", **FEED)
def trending(
    request: Request,
    fmt: Format,
    hub: HubDep,
    settings: SettingsDep,
    window: Literal["day", "week", "month"] = "week",
) -> Response:
    """Trending papers of the day, week or month, ranked by the site's trending formula."""
    result = hub.trending(window, FEED_SIZE)
    papers = [paper for paper, _ in result.items]
    return respond(
        request,
        settings,
        fmt,
        f"Trending papers this {window}",
        f"/trending?window={window}",
        papers,
        f"Ranked by {result.formula}.",
    )


@router.get("/search.{fmt}", **FEED)
def search(
    request: Request, fmt: Format, hub: HubDep, settings: SettingsDep, q: str = ""
) -> Response:
    """The newest of the papers most relevant to a search: follow a topic."""
    if not q.strip():
        raise InvalidInput("a search feed needs a query: /feeds/search.atom?q=...")
    mode = "hybrid" if embedding_available() else "lexical"
    hits = hub.search(q, FEED_SIZE, None, mode, "newest")
    return respond(
        request,
        settings,
        fmt,
        f"Papers about {q}",
        f"/search?{urlencode({'q': q})}",
        [hit.paper for hit in hits],
        f"The newest papers matching the search '{q}'.",
    )


@router.get("/category/{name}.{fmt}", **FEED)
def category(
    request: Request, name: str, fmt: Format, hub: HubDep, settings: SettingsDep
) -> Response:
    """The newest papers of one arXiv category (cs.LG, hep-th, ...)."""
    papers = hub.newest(name, FEED_SIZE)
    return respond(
        request,
        settings,
        fmt,
        f"New papers in {name}",
        f"/search?q=cat:{name}&sort=newest",
        papers,
        f"The newest papers in the arXiv category {name}.",
    )


@router.get("/authors/{name}.{fmt}", **FEED)
def author(
    request: Request, name: str, fmt: Format, hub: HubDep, settings: SettingsDep
) -> Response:
    """The newest papers of one author (any spelling of the name)."""
    found = hub.author(name, size=FEED_SIZE)
    return respond(
        request,
        settings,
        fmt,
        f"Papers by {found.name}",
        author_url(found.name),
        found.papers,
        f"The newest papers by {found.name}.",
    )
