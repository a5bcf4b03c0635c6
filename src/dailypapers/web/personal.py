"""A reader's own pages: For you, the reading list, follows and collections, with their exports.

Like every page, these work as plain forms; ``static/app.js`` only saves the reload when a
button on a card is toggled.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.config import Settings
from dailypapers.errors import Conflict, InvalidInput
from dailypapers.hub import Hub
from dailypapers.models import Paper
from dailypapers.web import feeds
from dailypapers.web.auth import current_user, require_user
from dailypapers.web.forms import back, flash, posted_by, wants_json
from dailypapers.web.templating import Templates

EXPORTS = ("bib", "csv")


def export(papers: list[Paper], fmt: str, name: str, base_url: str) -> Response:
    """A list of papers as a BibTeX or CSV download named ``name``."""
    if fmt == "bib":
        body, media = wire.bibtex_list(papers), "application/x-bibtex"
    else:
        out = io.StringIO()
        csv.writer(out).writerows(wire.csv_rows(papers, base_url))
        body, media = out.getvalue(), "text/csv"
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(
        body, media_type=f"{media}; charset=utf-8", headers={"content-disposition": disposition}
    )


def router(hub: Hub, settings: Settings, templates: Templates) -> APIRouter:
    mine = APIRouter(include_in_schema=False)
    base = settings.base_url.rstrip("/")

    def toggled(request: Request, next: str, paper: Paper, pressed: bool) -> Response:
        if wants_json(request):
            return JSONResponse({"id": paper.id, "pressed": pressed})
        return back(next, f"/papers/{paper.id}")

    # -- buttons on cards -------------------------------------------------------------------------

    @mine.post("/papers/{ident:path}/save")
    def save(
        request: Request,
        ident: str,
        csrf: Annotated[str, Form()] = "",
        on: Annotated[str, Form()] = "1",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        return toggled(request, next, hub.save(user, ident, on == "1"), on == "1")

    @mine.post("/papers/{ident:path}/feedback")
    def feedback(
        request: Request,
        ident: str,
        csrf: Annotated[str, Form()] = "",
        value: Annotated[int, Form()] = 0,
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        return toggled(request, next, hub.feedback(user, ident, value), value != 0)

    @mine.post("/papers/{ident:path}/read")
    def read(
        request: Request,
        ident: str,
        csrf: Annotated[str, Form()] = "",
        read: Annotated[str, Form()] = "1",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        paper = hub.mark_read(user, ident, read == "1")
        return toggled(request, next or "/reading-list", paper, read == "1")

    @mine.post("/papers/{ident:path}/collect")
    def collect(
        request: Request,
        ident: str,
        csrf: Annotated[str, Form()] = "",
        collection: Annotated[str, Form()] = "",
        on: Annotated[str, Form()] = "1",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        chosen = hub.collect(user, collection, ident, on == "1")
        flash(request, f"Added to {chosen.name}." if on == "1" else f"Taken out of {chosen.name}.")
        return toggled(request, next, hub.paper(ident), on == "1")

    # -- For you ----------------------------------------------------------------------------------

    @mine.get("/for-you", response_class=HTMLResponse)
    def for_you(request: Request, window: Literal["day", "week"] = "week") -> Response:
        user = require_user(request, hub)
        result = hub.for_you(user, days=1 if window == "day" else 7)
        papers = [pick.paper for pick in result.picks]
        return templates.page(
            request,
            "foryou.html",
            result=result,
            window=window,
            marks=hub.marks(user, papers),
            follows=hub.follows(user),
        )

    # -- reading list -----------------------------------------------------------------------------

    @mine.get("/reading-list", response_class=HTMLResponse)
    def reading_list(request: Request) -> Response:
        user = require_user(request, hub)
        saved = hub.reading_list(user)
        return templates.page(
            request,
            "reading_list.html",
            saved=saved,
            marks=hub.marks(user, [paper for paper, _, _ in saved]),
        )

    @mine.get("/reading-list.{fmt}")
    def reading_list_export(request: Request, fmt: Literal["bib", "csv"]) -> Response:
        user = require_user(request, hub)
        papers = [paper for paper, _, _ in hub.reading_list(user)]
        return export(papers, fmt, f"{user.name}-reading-list", base)

    # -- follows ----------------------------------------------------------------------------------

    @mine.get("/following", response_class=HTMLResponse)
    def following(request: Request) -> Response:
        user = require_user(request, hub)
        return templates.page(request, "following.html", follows=hub.follows(user))

    @mine.post("/follows")
    def follow(
        request: Request,
        kind: Annotated[str, Form()] = "",
        value: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        followed = hub.follow(user, kind, value)
        flash(request, f"You follow {followed.label} now: see For you.")
        return back(next, "/following")

    @mine.post("/follows/{follow_id}/delete")
    def unfollow(request: Request, follow_id: int, csrf: Annotated[str, Form()] = "") -> Response:
        user = posted_by(request, hub, csrf)
        hub.unfollow(user, follow_id)
        return RedirectResponse("/following", 303)

    # -- collections ------------------------------------------------------------------------------

    @mine.get("/users/{name}/collections", response_class=HTMLResponse)
    def collections(request: Request, name: str) -> Response:
        viewer = current_user(request, hub)
        owner = hub.user_named(name)
        return templates.page(
            request,
            "collections.html",
            owner=owner,
            own=viewer is not None and viewer.id == owner.id,
            collections=hub.collections(name, viewer),
            error=None,
        )

    @mine.post("/collections", response_class=HTMLResponse)
    def create_collection(
        request: Request,
        name: Annotated[str, Form()] = "",
        public: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        try:
            made = hub.create_collection(user, name, public == "1")
        except (InvalidInput, Conflict) as exc:
            return templates.page(
                request,
                "collections.html",
                exc.status,
                owner=user,
                own=True,
                collections=hub.collections(user.name, user),
                error=str(exc),
            )
        return RedirectResponse(f"/users/{user.name}/collections/{made.slug}", 303)

    @mine.get("/users/{name}/collections/{slug}", response_class=HTMLResponse)
    def collection(request: Request, name: str, slug: str) -> Response:
        viewer = current_user(request, hub)
        stem, _, fmt = slug.rpartition(".")
        if fmt in (*EXPORTS, "atom", "rss") and stem:
            found, papers = hub.collection(name, stem, viewer)
            if fmt in EXPORTS:
                return export(papers, fmt, f"{name}-{found.slug}", base)
            page = f"/users/{name}/collections/{found.slug}"
            title = f"{found.name}, a collection by {name}"
            return feeds.feed(request, fmt, base, title, page, papers, title)
        found, papers = hub.collection(name, slug, viewer)
        here = f"/users/{name}/collections/{found.slug}"
        return templates.page(
            request,
            "collection.html",
            collection=found,
            papers=papers,
            own=viewer is not None and viewer.name == found.owner,
            marks=hub.marks(viewer, papers),
            feeds=[(f"{found.name} (Atom)", here + ".atom"), (f"{found.name} (RSS)", here + ".rss")]
            if found.public
            else [],
        )

    @mine.post("/collections/{slug}/settings")
    def collection_settings(
        request: Request,
        slug: str,
        name: Annotated[str, Form()] = "",
        public: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        user = posted_by(request, hub, csrf)
        hub.update_collection(user, slug, name or None, public == "1")
        return RedirectResponse(f"/users/{user.name}/collections/{slug}", 303)

    @mine.post("/collections/{slug}/delete")
    def delete_collection(
        request: Request, slug: str, csrf: Annotated[str, Form()] = ""
    ) -> Response:
        user = posted_by(request, hub, csrf)
        hub.delete_collection(user, slug)
        flash(request, "The collection is deleted.")
        return RedirectResponse(f"/users/{user.name}/collections", 303)

    return mine
