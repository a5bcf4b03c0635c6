"""The site's pages: server-rendered HTML over the same hub calls as the API and the CLI.

Every page works without JavaScript: votes, comments and submissions are plain forms (POST, with
a CSRF token) that redirect back; ``static/app.js`` only makes voting skip the reload.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.config import Settings
from dailypapers.errors import Conflict, DailyPapersError, FetchError, InvalidInput, NotFound
from dailypapers.hub import SEARCH_MODES, SEARCH_SORTS, Hub, LexicalFilters, embedding_available
from dailypapers.web.auth import (
    check_csrf,
    client_address,
    current_user,
    require_user,
    session_id,
    sign_in,
    sign_out,
)
from dailypapers.web.forms import back, flash, posted_by, wants_json
from dailypapers.web.schema import Day
from dailypapers.web.templating import Templates

PAGE_SIZE = 50
SEARCH_LIMIT = 30
SIMILAR = 6


_AUTHOR = re.compile(r'^author:(?:"([^"]+)"|(\S+))$', re.IGNORECASE)
_CATEGORY = re.compile(r"^cat:(\S+)$", re.IGNORECASE)


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


def router(hub: Hub, settings: Settings, templates: Templates) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    # -- reading --------------------------------------------------------------------------------

    @pages.get("/", response_class=HTMLResponse)
    def daily(
        request: Request,
        date: Day | None = None,
        week: str | None = None,
        month: str | None = None,
        p: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        listing = hub.paper_list(date, week, month)
        # A day is shown whole; a week or a month in pages.
        size = len(listing.papers) if listing.kind == "day" else PAGE_SIZE
        shown = listing.papers[p * size : (p + 1) * size] if size else []
        return templates.page(
            request,
            "daily.html",
            listing=listing,
            papers=shown,
            marks=hub.marks(current_user(request, hub), shown),
            page_number=p,
            pages=max(1, -(-len(listing.papers) // size)) if size else 1,
            feeds=[
                ("Daily papers (Atom)", "/feeds/daily.atom"),
                ("Daily papers (RSS)", "/feeds/daily.rss"),
            ],
        )

    @pages.get("/trending", response_class=HTMLResponse)
    def trending(request: Request, window: Literal["day", "week", "month"] = "week") -> Response:
        result = hub.trending(window)
        papers = [paper for paper, _ in result.items]
        return templates.page(
            request,
            "trending.html",
            trending=result,
            marks=hub.marks(current_user(request, hub), papers),
            gravity=hub.gravity,
            feeds=[
                (f"Trending this {window} (Atom)", f"/feeds/trending.atom?window={window}"),
                (f"Trending this {window} (RSS)", f"/feeds/trending.rss?window={window}"),
            ],
        )

    @pages.get("/search", response_class=HTMLResponse)
    def search(
        request: Request,
        q: str = "",
        mode: Literal["lexical", "semantic", "hybrid"] | None = None,
        sort: Literal["relevance", "newest", "upvotes"] = "relevance",
        category: str | None = None,
        date_from: Annotated[Day | None, Query(alias="from")] = None,
        date_to: Annotated[Day | None, Query(alias="to")] = None,
        min_upvotes: Annotated[int | None, Query(ge=0)] = None,
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
        hits = hub.search(q, SEARCH_LIMIT, filters, chosen, sort) if q else []
        follow = _followable(q, category)
        behind = hub.unindexed(semantic=chosen != "lexical") if q else 0
        return templates.page(
            request,
            "search.html",
            q=q,
            hits=hits,
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
            follow=follow,
            unindexed=behind,
            marks=hub.marks(current_user(request, hub), [hit.paper for hit in hits]),
            feeds=[
                (f"Search '{q}' ({label})", f"/feeds/search.{fmt}?{urlencode({'q': q})}")
                for fmt, label in (("atom", "Atom"), ("rss", "RSS"))
            ]
            if q
            else [],
        )

    @pages.get("/papers/{ident:path}", response_class=HTMLResponse)
    def paper(request: Request, ident: str) -> Response:
        if ident.endswith(".md"):
            found = hub.paper(ident[: -len(".md")])
            text = wire.paper_markdown(found, settings.base_url)
            return Response(text, media_type="text/markdown; charset=utf-8")
        found = hub.paper(ident)
        if found.id != ident:  # a versioned id or a URL: the one address of the page
            return RedirectResponse(f"/papers/{found.id}", status_code=301)
        try:
            similar = hub.similar(found.id, SIMILAR)
        except DailyPapersError:
            similar = []  # no vectors yet: the page goes on without them
        viewer = current_user(request, hub)
        return templates.page(
            request,
            "paper.html",
            collections=hub.collections(viewer.name, viewer) if viewer else [],
            paper=found,
            comments=hub.comments(found),
            similar=similar,
            bibtex=wire.bibtex(found),
            marks=hub.marks(current_user(request, hub), [found]),
        )

    # -- acting ---------------------------------------------------------------------------------

    @pages.post("/papers/{ident:path}/upvote")
    def upvote(
        request: Request,
        ident: str,
        csrf: Annotated[str, Form()] = "",
        on: Annotated[str, Form()] = "1",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        voted = on == "1"
        cast = hub.vote(user, ident, voted)
        if wants_json(request):
            return JSONResponse({"id": cast.paper_id, "upvotes": cast.upvotes, "voted": voted})
        return back(next, f"/papers/{cast.paper_id}")

    @pages.post("/papers/{ident:path}/comments")
    def comment(
        request: Request,
        ident: str,
        text: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        parent_id: Annotated[int | None, Form()] = None,
    ) -> Response:
        user = posted_by(request, hub, csrf)
        found = hub.paper(ident)
        try:
            posted = hub.comment(user, found.id, text, parent_id)
        except InvalidInput as exc:
            flash(request, str(exc))
            return RedirectResponse(f"/papers/{found.id}#discussion", status_code=303)
        return RedirectResponse(f"/papers/{found.id}#comment-{posted.id}", status_code=303)

    @pages.get("/submit", response_class=HTMLResponse)
    def submit_form(request: Request) -> Response:
        require_user(request, hub)
        return templates.page(request, "submit.html", ref="", error=None)

    @pages.post("/submit", response_class=HTMLResponse)
    def submit(
        request: Request,
        ref: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        try:
            paper = hub.submit(user, ref)
        except (InvalidInput, Conflict, NotFound, FetchError) as exc:
            return templates.page(
                request, "submit.html", status=exc.status, ref=ref, error=str(exc)
            )
        flash(request, "Thank you: the paper is on today's list.")
        return RedirectResponse(f"/papers/{paper.id}", status_code=303)

    # -- accounts -------------------------------------------------------------------------------

    @pages.get("/signup", response_class=HTMLResponse)
    def signup_form(request: Request, next: str = "") -> Response:
        return templates.page(request, "signup.html", forms=True, next=next, error=None, values={})

    @pages.post("/signup", response_class=HTMLResponse)
    def signup(
        request: Request,
        name: Annotated[str, Form()] = "",
        email: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        hub.limit("signup", client_address(request))
        try:
            user = hub.create_user(name, email, password)
        except (InvalidInput, Conflict) as exc:
            values = {"name": name, "email": email}
            return templates.page(
                request, "signup.html", exc.status, forms=True, next=next, error=str(exc),
                values=values,
            )  # fmt: skip
        sign_in(request, hub, user)
        flash(request, f"Welcome, {user.name}!")
        return back(next)

    @pages.get("/signin", response_class=HTMLResponse)
    def signin_form(request: Request, next: str = "") -> Response:
        return templates.page(request, "signin.html", forms=True, next=next, error=None, login="")

    @pages.post("/signin", response_class=HTMLResponse)
    def signin(
        request: Request,
        login: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        check_csrf(request, csrf)
        hub.limit("signin", client_address(request))
        try:
            user = hub.authenticate(login, password)
        except DailyPapersError as exc:
            return templates.page(
                request, "signin.html", 400, forms=True, next=next, error=str(exc), login=login
            )
        sign_in(request, hub, user)
        return back(next)

    @pages.post("/signout")
    def signout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        sign_out(request, hub)
        return RedirectResponse("/", status_code=303)

    @pages.get("/users/{name}", response_class=HTMLResponse)
    def profile(request: Request, name: str) -> Response:
        return _profile(request, name)

    def _profile(request: Request, name: str, status: int = 200, **extra: Any) -> HTMLResponse:
        found = hub.profile(name)
        me = current_user(request, hub)
        own = me is not None and me.id == found.user.id
        papers = found.upvoted + found.submitted
        return templates.page(
            request,
            "profile.html",
            status,
            profile=found,
            own=own,
            tokens=hub.tokens(found.user) if own else [],
            sign_ins=hub.sign_ins(found.user) if own else [],
            this_session=session_id(request, hub),
            marks=hub.marks(me, papers),
            **{"password_error": None, **extra},
        )

    @pages.post("/settings/tokens", response_class=HTMLResponse)
    def create_token(
        request: Request,
        name: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        try:
            secret, token = hub.create_token(user, name)
        except InvalidInput as exc:
            return _profile(request, user.name, 422, token_error=str(exc))
        # Shown in this response only: the token itself is stored nowhere but in its hash.
        return _profile(request, user.name, 201, new_token=secret, new_token_name=token.name)

    @pages.post("/settings/tokens/revoke")
    def revoke_token(
        request: Request,
        token: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        hub.revoke_token(user, token)
        flash(request, "The token is revoked.")
        return RedirectResponse(f"/users/{user.name}#tokens", status_code=303)

    # -- sessions and the password ---------------------------------------------------------------

    @pages.post("/settings/sessions/{number}/end")
    def end_session(request: Request, number: int, csrf: Annotated[str, Form()] = "") -> Response:
        user = posted_by(request, hub, csrf)
        if number == session_id(request, hub):
            sign_out(request, hub)
            return RedirectResponse("/", status_code=303)
        hub.end_sign_in(user, number)
        flash(request, "That session is signed out.")
        return RedirectResponse(f"/users/{user.name}#sessions", status_code=303)

    @pages.post("/settings/sessions/end-all")
    def end_all_sessions(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        user = posted_by(request, hub, csrf)
        hub.sign_out_everywhere(user)
        sign_out(request, hub)
        return RedirectResponse("/", status_code=303)

    @pages.post("/settings/password", response_class=HTMLResponse)
    def change_password(
        request: Request,
        current: Annotated[str, Form()] = "",
        new: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        try:
            ended = hub.change_password(user, current, new, session_id(request, hub))
        except InvalidInput as exc:
            return _profile(request, user.name, 400, password_error=str(exc))
        others = f"; {ended} other session{'s' if ended != 1 else ''} signed out" if ended else ""
        flash(request, f"Your password is changed{others}.")
        return RedirectResponse(f"/users/{user.name}#password", status_code=303)

    return pages


def add_docs(app: FastAPI, templates: Templates) -> None:
    """``/docs``: the API reference, rendered here from the OpenAPI document (no outside assets)."""

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> Response:
        spec = app.openapi()
        operations = [
            (path, method.upper(), operation)
            for path, methods in spec["paths"].items()
            for method, operation in methods.items()
        ]
        return templates.page(request, "docs.html", spec=spec, operations=operations)
