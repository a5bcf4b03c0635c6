"""Authors' pages: an author's papers, newest first, the people they write with, a feed, and a
button to follow them. Any spelling of a name finds its author (``text.name_key``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from dailypapers.web.deps import HubDep, Page, Viewer
from dailypapers.web.render import author_url

router = APIRouter(include_in_schema=False)


@router.get("/authors/{name:path}", response_class=HTMLResponse)
def author(
    name: str,
    hub: HubDep,
    page: Page,
    viewer: Viewer,
    number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    found = hub.author(name, number)
    url = author_url(found.name)
    feeds = f"/feeds{url}"
    return page.render(
        "author.html",
        author=found,
        url=url,
        marks=hub.marks(viewer, found.papers),
        feeds=[
            (f"Papers by {found.name} (Atom)", f"{feeds}.atom"),
            (f"Papers by {found.name} (RSS)", f"{feeds}.rss"),
        ],
    )
