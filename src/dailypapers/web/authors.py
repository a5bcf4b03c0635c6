"""Authors on the site and in the API: an author's page (their papers, newest first, the people
they write with, a feed, a button to follow them; any spelling of a name finds its author,
``text.name_key``), and members' claims to be a paper's author, which moderators verify or
reject."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.web import shapes
from dailypapers.web.deps import ApiMember, HubDep, Page, Poster, Viewer
from dailypapers.web.forms import Field, flash
from dailypapers.web.mail import send_now
from dailypapers.web.render import author_url
from dailypapers.web.schema import WRITE, answer, problems, register_paper_ids

register_paper_ids()  # before the routes below are declared
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["authors"], responses={**WRITE, **problems(403)})


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
    # The member a moderator verified as this author, on any of the papers shown.
    claimed = next((c for p in found.papers for c in p.claimed if c.author_key == found.key), None)
    return page.render(
        "author.html",
        author=found,
        claimed=claimed,
        url=url,
        marks=hub.marks(viewer, found.papers),
        feeds=[
            (f"Papers by {found.name} (Atom)", f"{feeds}.atom"),
            (f"Papers by {found.name} (RSS)", f"{feeds}.rss"),
        ],
    )


# -- claims -------------------------------------------------------------------------------------


@router.post("/papers/{ident:path}/claim")
def claim(request: Request, ident: str, hub: HubDep, user: Poster, author: Field) -> Response:
    made = hub.claim_author(user, ident, author)
    if made.status == "verified":
        flash(request, f"You are verified as {made.author_name} already.")
    else:
        flash(request, f"Your claim to be {made.author_name} waits for a moderator.")
    return RedirectResponse(f"/papers/{made.paper_id}#authors", status_code=303)


@router.post("/claims/{claim_id}/withdraw")
def withdraw(request: Request, claim_id: int, hub: HubDep, user: Poster) -> Response:
    hub.withdraw_claim(user, claim_id)
    flash(request, f"Claim {claim_id} is withdrawn.")
    return RedirectResponse(f"/users/{user.name}#papers", status_code=303)


@router.post("/claims/{claim_id}/verify")
def verify(
    request: Request, claim_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    decided = hub.decide_claim(user, claim_id, True, reason)
    send_now(hub)
    flash(request, f"{decided.user} is verified as {decided.author_name}.")
    return RedirectResponse("/moderation#claims", status_code=303)


@router.post("/claims/{claim_id}/reject")
def reject(request: Request, claim_id: int, hub: HubDep, user: Poster, reason: Field) -> Response:
    decided = hub.decide_claim(user, claim_id, False, reason)
    send_now(hub)
    flash(request, f"The claim of {decided.user} to be {decided.author_name} is rejected.")
    return RedirectResponse("/moderation#claims", status_code=303)


# -- the API ------------------------------------------------------------------------------------


@api.post(
    "/papers/{paper_id:paper}/claim",
    status_code=201,
    responses=answer(201, "The claim, waiting for a moderator", shapes.AuthorClaim),
    operation_id="claimAuthorship",
)
def api_claim(
    paper_id: str,
    author: Annotated[str, Body(embed=True, min_length=1, max_length=300)],
    hub: HubDep,
    user: ApiMember,
) -> dict[str, object]:
    """Say you are one of the paper's authors: ``{"author": "Ada Lovelace"}``, the name as
    the paper writes it (any spelling); a moderator verifies it."""
    return wire.claim_json(hub.claim_author(user, paper_id, author))


@api.delete(
    "/claims/{claim_id}",
    status_code=204,
    responses={204: {"description": "The claim is withdrawn"}},
    operation_id="withdrawClaim",
)
def api_withdraw(claim_id: int, hub: HubDep, user: ApiMember) -> Response:
    """Take back a claim of yours, verified or not."""
    hub.withdraw_claim(user, claim_id)
    return Response(status_code=204)


def _decide(
    claim_id: int, verified: bool, reason: str, hub: HubDep, user: ApiMember
) -> dict[str, object]:
    decided = hub.decide_claim(user, claim_id, verified, reason)
    send_now(hub)
    return wire.claim_json(decided)


@api.post(
    "/claims/{claim_id}/verify",
    responses=answer(200, "The claim, verified", shapes.AuthorClaim),
    operation_id="verifyClaim",
)
def api_verify(
    claim_id: int,
    hub: HubDep,
    user: ApiMember,
    reason: Annotated[str, Body(embed=True, max_length=1000)] = "",
) -> dict[str, object]:
    """A moderator verifies a member as the author they claim to be (logged, the member told
    by mail; ``{"reason": ...}`` optional)."""
    return _decide(claim_id, True, reason, hub, user)


@api.post(
    "/claims/{claim_id}/reject",
    responses=answer(200, "The claim, rejected", shapes.AuthorClaim),
    operation_id="rejectClaim",
)
def api_reject(
    claim_id: int,
    reason: Annotated[str, Body(embed=True, min_length=1, max_length=1000)],
    hub: HubDep,
    user: ApiMember,
) -> dict[str, object]:
    """A moderator rejects a claim, saying why (``{"reason": ...}``; logged, the member told
    by mail)."""
    return _decide(claim_id, False, reason, hub, user)
