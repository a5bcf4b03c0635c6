"""The site's reading pages and what a reader does on them: the daily list, trending, search, a
paper's page (and its Markdown twin), upvotes, comments and submissions.

Every page works without JavaScript: votes, comments and submissions are plain forms (POST, with
a CSRF token) that redirect back; ``static/app.js`` only makes voting skip the reload.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.errors import (
    Conflict,
    DailyPapersError,
    FetchError,
    Forbidden,
    InvalidInput,
    NotFound,
)
from dailypapers.hub import SEARCH_MODES, SEARCH_SORTS, Hub, LexicalFilters, embedding_available
from dailypapers.models import Paper, User
from dailypapers.web.deps import HubDep, Member, Page, Poster, Pressed, SettingsDep, Viewer
from dailypapers.web.forms import Field, flash
from dailypapers.web.mail import send_now
from dailypapers.web.schema import Day

PAGE_SIZE = 50
SEARCH_LIMIT = 30
SIMILAR = 6

_AUTHOR = re.compile(r'^author:(?:"([^"]+)"|(\S+))$', re.IGNORECASE)
_CATEGORY = re.compile(r"^cat:(\S+)$", re.IGNORECASE)

router = APIRouter(include_in_schema=False)


def _followable(q: str, category: str | None) -> tuple[str, str] | None:
    """What following this search means: the author or category it names, or the search."""
    if not q:
        return None
    if author := _AUTHOR.match(q):
        return "author", author.group(1) or author.group(2)
    if cat := _CATEGORY.match(q):
        return "category", cat.group(1)
    if category and not q:
        return "category", category
    return "search", q


# -- reading ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def daily(
    hub: HubDep,
    page: Page,
    viewer: Viewer,
    date: Day | None = None,
    week: str | None = None,
    month: str | None = None,
    p: Annotated[int, Query(ge=0)] = 0,
    view: Literal["full", "compact"] = "full",
) -> Response:
    listing = hub.paper_list(date, week, month)
    # A day is shown whole; a week or a month in pages.
    size = len(listing.papers) if listing.kind == "day" else PAGE_SIZE
    shown = listing.papers[p * size : (p + 1) * size] if size else []
    return page.render(
        "daily.html",
        listing=listing,
        papers=shown,
        marks=hub.marks(viewer, shown),
        page_number=p,
        pages=max(1, -(-len(listing.papers) // size)) if size else 1,
        newest=hub.latest_day(),
        view=view,
        feeds=[
            ("Daily papers (Atom)", "/feeds/daily.atom"),
            ("Daily papers (RSS)", "/feeds/daily.rss"),
        ],
    )


@router.get("/trending", response_class=HTMLResponse)
def trending(
    hub: HubDep, page: Page, viewer: Viewer, window: Literal["day", "week", "month"] = "week"
) -> Response:
    result = hub.trending(window)
    return page.render(
        "trending.html",
        trending=result,
        marks=hub.marks(viewer, [paper for paper, _ in result.items]),
        gravity=hub.gravity,
        feeds=[
            (f"Trending this {window} (Atom)", f"/feeds/trending.atom?window={window}"),
            (f"Trending this {window} (RSS)", f"/feeds/trending.rss?window={window}"),
        ],
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    hub: HubDep,
    page: Page,
    viewer: Viewer,
    q: str = "",
    mode: Literal["lexical", "semantic", "hybrid"] | None = None,
    sort: Literal["relevance", "newest", "upvotes"] = "relevance",
    category: str | None = None,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
    min_upvotes: Annotated[int | None, Query(ge=0)] = None,
    number: Annotated[int, Query(alias="page", ge=1, le=100)] = 1,
) -> Response:
    q = q.strip()
    chosen = mode or ("hybrid" if embedding_available() else "lexical")
    if q:
        try:
            found = hub.find(q)
        except InvalidInput:
            found = None
        if found is not None:  # an id or a paper URL goes straight to the paper
            return RedirectResponse(f"/papers/{found.id}", status_code=303)
    filters = LexicalFilters(
        published_from=date_from,
        published_to=date_to,
        categories=(category,) if category else (),
        min_upvotes=min_upvotes,
    )
    # Pages go as deep as the ranking keeps its order, so none repeats or skips a paper.
    pages = max(1, hub.stable_depth(chosen, sort) // SEARCH_LIMIT)
    number = min(number, pages)
    offset = (number - 1) * SEARCH_LIMIT
    ranked = hub.search(q, SEARCH_LIMIT + 1, filters, chosen, sort, offset) if q else []
    hits = ranked[:SEARCH_LIMIT]
    more = len(ranked) > SEARCH_LIMIT and number < pages
    choices = (q, chosen, sort, category, date_from, date_to, min_upvotes)

    def turn(to: int) -> str:
        return _page_url(*choices, to)

    return page.render(
        "search.html",
        q=q,
        hits=hits,
        first=offset + 1,
        previous_page=turn(number - 1) if number > 1 else None,
        next_page=turn(number + 1) if more else None,
        # Hits found by meaning alone carry no highlighted word.
        words_matched=any("<mark>" in h.title_snippet + h.abstract_snippet for h in hits),
        mode=chosen,
        modes=SEARCH_MODES if embedding_available() else ("lexical",),
        sort=sort,
        sorts=SEARCH_SORTS,
        category=category or "",
        date_from=date_from,
        date_to=date_to,
        min_upvotes=min_upvotes,
        follow=_followable(q, category),
        unindexed=hub.unindexed(semantic=chosen != "lexical") if q else 0,
        marks=hub.marks(viewer, [hit.paper for hit in hits]),
        feeds=[
            (f"Search '{q}' ({label})", f"/feeds/search.{fmt}?{urlencode({'q': q})}")
            for fmt, label in (("atom", "Atom"), ("rss", "RSS"))
        ]
        if q
        else [],
    )


def _page_url(
    q: str,
    mode: str,
    sort: str,
    category: str | None,
    date_from: date | None,
    date_to: date | None,
    min_upvotes: int | None,
    number: int,
) -> str:
    """The address of page ``number`` of a search, its other choices kept."""
    params = {
        "q": q,
        "mode": mode,
        "sort": sort,
        "category": category or None,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "min_upvotes": min_upvotes,
        "page": number if number > 1 else None,
    }
    return "/search?" + urlencode({k: v for k, v in params.items() if v is not None})


def paper_context(hub: Hub, found: Paper, viewer: User | None) -> dict[str, Any]:
    """What the page of paper ``found`` (as ``Hub.shown_paper`` gave it) shows, in every
    rendering: the paper, its discussion, the papers nearest to it, its BibTeX, and what the
    viewer did to it."""
    try:
        similar = hub.similar_to(found, SIMILAR)
    except DailyPapersError:
        similar = []  # no vectors yet: the page goes on without them
    comments, held_by = hub.discussion(found, viewer)
    return {
        "paper": found,
        "comments": comments,
        # Whose copy of the page members share may not be (their comment waits for a moderator).
        "held_by": held_by,
        "similar": similar,
        "bibtex": wire.bibtex(found),
        "collections": hub.collections(viewer.name, viewer) if viewer else [],
        "marks": hub.marks(viewer, [found]),
    }


# The renderings of a paper's page besides HTML, by the suffix of its address.
TWINS = (".md", ".json")


@router.get("/papers/{ident:path}", response_class=HTMLResponse)
def paper(ident: str, hub: HubDep, settings: SettingsDep, page: Page, viewer: Viewer) -> Response:
    twin = next((suffix for suffix in TWINS if ident.endswith(suffix)), "")
    if twin:  # for programs and language models: what the page shows, as Markdown or JSON
        context = paper_context(hub, hub.shown_paper(ident[: -len(twin)]), None)
        paper, comments = context["paper"], context["comments"]
        similar = [hit.paper for hit in context["similar"]]
        if twin == ".json":
            return JSONResponse(wire.paper_page_json(paper, comments, similar))
        text = wire.paper_markdown(paper, settings.base_url, comments, similar)
        return Response(text, media_type="text/markdown; charset=utf-8")
    found = hub.shown_paper(ident, viewer)
    if found.id != ident:  # a versioned id or a URL: the one address of the page
        return RedirectResponse(f"/papers/{found.id}", status_code=301)
    return page.render("paper.html", **paper_context(hub, found, viewer))


# -- acting -------------------------------------------------------------------------------------


@router.post("/papers/{ident:path}/upvote")
def upvote(button: Pressed, on: Field = "1") -> Response:
    cast = button.hub.vote(button.user, button.ident, on == "1")
    return button.answer(cast.paper_id, upvotes=cast.upvotes, voted=on == "1")


@router.post("/papers/{ident:path}/comments")
def comment(
    request: Request,
    ident: str,
    hub: HubDep,
    user: Poster,
    text: Field = "",
    parent_id: Annotated[int | None, Form()] = None,
) -> Response:
    found = hub.paper(ident)
    try:
        posted = hub.comment(user, found.id, text, parent_id)
    except (InvalidInput, Forbidden) as exc:
        flash(request, str(exc))
        return RedirectResponse(f"/papers/{found.id}#discussion", status_code=303)
    send_now(hub)  # the messages of those who hear of it at once
    if posted.held_for:
        flash(request, f"Your comment waits for a moderator ({posted.held_for}); only you see it.")
    return RedirectResponse(f"/papers/{found.id}#comment-{posted.id}", status_code=303)


@router.get("/submit", response_class=HTMLResponse)
def submit_form(page: Page, _user: Member) -> Response:
    return page.render("submit.html", ref="", error=None)


@router.post("/submit", response_class=HTMLResponse)
def submit(request: Request, hub: HubDep, page: Page, user: Poster, ref: Field = "") -> Response:
    try:
        paper = hub.submit(user, ref)
    except (InvalidInput, Conflict, NotFound, FetchError, Forbidden) as exc:
        return page.render("submit.html", status=exc.status, ref=ref, error=str(exc))
    flash(request, "Thank you: the paper is on today's list.")
    return RedirectResponse(f"/papers/{paper.id}", status_code=303)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, page: Page) -> Response:
    """``/docs``: the API reference, rendered here from the OpenAPI document (no outside
    assets)."""
    spec = request.app.openapi()
    operations = [
        (path, method.upper(), operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    return page.render("docs.html", spec=spec, operations=operations)
