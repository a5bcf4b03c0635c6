"""A reader's own pages: For you, the reading list, follows and collections, with their exports.

Like every page, these work as plain forms; ``static/app.js`` only saves the reload when a
button on a card is toggled.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.errors import Conflict, InvalidInput
from dailypapers.models import Paper
from dailypapers.web import feeds
from dailypapers.web.deps import HubDep, Member, Page, Poster, Pressed, SettingsDep, Viewer
from dailypapers.web.forms import Field, back, flash

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


router = APIRouter(include_in_schema=False)


# -- buttons on cards -------------------------------------------------------------------------


@router.post("/papers/{ident:path}/save")
def save(button: Pressed, on: Field = "1") -> Response:
    paper = button.hub.save(button.user, button.ident, on == "1")
    return button.answer(paper.id, pressed=on == "1")


@router.post("/papers/{ident:path}/feedback")
def feedback(button: Pressed, value: Annotated[int, Form()] = 0) -> Response:
    paper = button.hub.feedback(button.user, button.ident, value)
    return button.answer(paper.id, pressed=value != 0)


@router.post("/papers/{ident:path}/read")
def read(button: Pressed, read: Field = "1") -> Response:
    paper = button.hub.mark_read(button.user, button.ident, read == "1")
    return button.answer(paper.id, "/reading-list", pressed=read == "1")


@router.post("/papers/{ident:path}/collect")
def collect(button: Pressed, collection: Field = "", on: Field = "1") -> Response:
    hub, added = button.hub, on == "1"
    chosen = hub.collect(button.user, collection, button.ident, added)
    flash(button.request, f"Added to {chosen.name}." if added else f"Taken out of {chosen.name}.")
    return button.answer(hub.paper(button.ident).id, pressed=added)


# -- For you ----------------------------------------------------------------------------------


@router.get("/for-you", response_class=HTMLResponse)
def for_you(
    hub: HubDep, page: Page, user: Member, window: Literal["day", "week"] = "week"
) -> Response:
    result = hub.for_you(user, days=1 if window == "day" else 7)
    papers = [pick.paper for pick in result.picks]
    return page.render(
        "foryou.html",
        result=result,
        window=window,
        marks=hub.marks(user, papers),
        follows=hub.follows(user),
    )


# -- reading list -----------------------------------------------------------------------------


@router.get("/reading-list", response_class=HTMLResponse)
def reading_list(hub: HubDep, page: Page, user: Member) -> Response:
    saved = hub.reading_list(user)
    return page.render(
        "reading_list.html", saved=saved, marks=hub.marks(user, [paper for paper, _, _ in saved])
    )


@router.get("/reading-list.{fmt}")
def reading_list_export(
    request: Request, fmt: Literal["bib", "csv"], hub: HubDep, settings: SettingsDep, user: Member
) -> Response:
    base = settings.base_url.rstrip("/")
    papers = [paper for paper, _, _ in hub.reading_list(user)]
    return export(papers, fmt, f"{user.name}-reading-list", base)


# -- follows ----------------------------------------------------------------------------------


@router.get("/following", response_class=HTMLResponse)
def following(hub: HubDep, page: Page, user: Member) -> Response:
    return page.render("following.html", follows=hub.follows(user))


@router.post("/follows")
def follow(
    request: Request,
    hub: HubDep,
    user: Poster,
    kind: Field = "",
    value: Field = "",
    next: Field = "",
) -> Response:
    followed = hub.follow(user, kind, value)
    flash(request, f"You follow {followed.label} now: see For you.")
    return back(next, "/following")


@router.post("/follows/{follow_id}/delete")
def unfollow(request: Request, follow_id: int, hub: HubDep, user: Poster) -> Response:
    hub.unfollow(user, follow_id)
    return RedirectResponse("/following", 303)


# -- collections ------------------------------------------------------------------------------


@router.get("/users/{name}/collections", response_class=HTMLResponse)
def collections(name: str, hub: HubDep, page: Page, viewer: Viewer) -> Response:
    owner = hub.user_named(name)
    return page.render(
        "collections.html",
        owner=owner,
        own=viewer is not None and viewer.id == owner.id,
        collections=hub.collections(name, viewer),
        error=None,
    )


@router.post("/collections", response_class=HTMLResponse)
def create_collection(
    hub: HubDep, page: Page, user: Poster, name: Field = "", public: Field = ""
) -> Response:
    try:
        made = hub.create_collection(user, name, public == "1")
    except (InvalidInput, Conflict) as exc:
        return page.render(
            "collections.html",
            exc.status,
            owner=user,
            own=True,
            collections=hub.collections(user.name, user),
            error=str(exc),
        )
    return RedirectResponse(f"/users/{user.name}/collections/{made.slug}", 303)


@router.get("/users/{name}/collections/{slug}", response_class=HTMLResponse)
def collection(
    request: Request,
    name: str,
    slug: str,
    hub: HubDep,
    settings: SettingsDep,
    page: Page,
    viewer: Viewer,
) -> Response:
    base = settings.base_url.rstrip("/")
    stem, _, fmt = slug.rpartition(".")
    if fmt in (*EXPORTS, "atom", "rss") and stem:
        found, papers = hub.collection(name, stem, viewer)
        if fmt in EXPORTS:
            return export(papers, fmt, f"{name}-{found.slug}", base)
        here = f"/users/{name}/collections/{found.slug}"
        title = f"{found.name}, a collection by {name}"
        return feeds.feed(request, fmt, base, title, here, papers, title)
    found, papers = hub.collection(name, slug, viewer)
    here = f"/users/{name}/collections/{found.slug}"
    return page.render(
        "collection.html",
        collection=found,
        papers=papers,
        own=viewer is not None and viewer.name == found.owner,
        marks=hub.marks(viewer, papers),
        feeds=[(f"{found.name} (Atom)", here + ".atom"), (f"{found.name} (RSS)", here + ".rss")]
        if found.public
        else [],
    )


@router.post("/collections/{slug}/settings")
def collection_settings(
    request: Request, slug: str, hub: HubDep, user: Poster, name: Field = "", public: Field = ""
) -> Response:
    hub.update_collection(user, slug, name or None, public == "1")
    return RedirectResponse(f"/users/{user.name}/collections/{slug}", 303)


@router.post("/collections/{slug}/delete")
def delete_collection(request: Request, slug: str, hub: HubDep, user: Poster) -> Response:
    hub.delete_collection(user, slug)
    flash(request, "The collection is deleted.")
    return RedirectResponse(f"/users/{user.name}/collections", 303)
