"""Moderation on the site and in the API: a comment's own page (its author edits or deletes it,
a member reports it, a moderator hides or restores it and reads its history), reporting a
paper, and the moderators' queue of open reports and held comments beside the log of what
they did."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers import wire
from dailypapers.errors import DailyPapersError, InvalidInput
from dailypapers.hub import MAX_COMMENT
from dailypapers.models import Paper, User
from dailypapers.web import shapes
from dailypapers.web.deps import ApiMember, HubDep, Member, Page, Poster, Viewer
from dailypapers.web.forms import Field, flash
from dailypapers.web.mail import send_now
from dailypapers.web.schema import WRITE, answer, problems, register_paper_ids

register_paper_ids()  # before the routes below are declared
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["moderation"], responses={**WRITE, **problems(403)})
Reason = Annotated[str, Body(embed=True, min_length=1, max_length=1000)]


def _to_comment(paper_id: str, comment_id: int) -> Response:
    return RedirectResponse(f"/papers/{paper_id}#comment-{comment_id}", status_code=303)


# -- the pages ----------------------------------------------------------------------------------


@router.get("/comments/{comment_id}", response_class=HTMLResponse)
def comment_page(comment_id: int, hub: HubDep, page: Page, viewer: Viewer) -> Response:
    comment = hub.find_comment(comment_id, viewer)
    moderating = viewer is not None and viewer.is_moderator
    return page.render(
        "comment.html",
        comment=comment,
        own=viewer is not None and viewer.name == comment.author,
        moderating=moderating,
        history=hub.comment_history(viewer, comment_id) if moderating and viewer else [],
        max_comment=MAX_COMMENT,
    )


@router.post("/comments/{comment_id}/edit")
def edit(
    request: Request, comment_id: int, hub: HubDep, user: Poster, text: Field = ""
) -> Response:
    try:
        comment = hub.edit_comment(user, comment_id, text)
    except DailyPapersError as exc:
        if exc.status >= 500:
            raise
        flash(request, str(exc))
        return RedirectResponse(f"/comments/{comment_id}", status_code=303)
    return _to_comment(comment.paper_id, comment.id)


@router.post("/comments/{comment_id}/delete")
def delete(request: Request, comment_id: int, hub: HubDep, user: Poster) -> Response:
    paper_id = hub.find_comment(comment_id, user).paper_id
    hub.delete_comment(user, comment_id)
    flash(request, "Your comment is deleted.")
    return _to_comment(paper_id, comment_id)


@router.post("/comments/{comment_id}/report")
def report(
    request: Request, comment_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    paper_id = hub.find_comment(comment_id, user).paper_id
    hub.report_comment(user, comment_id, reason)
    flash(request, "Thank you: the moderators will look at it.")
    return _to_comment(paper_id, comment_id)


@router.post("/papers/{ident:path}/report")
def report_paper(
    request: Request, ident: str, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    paper = hub.paper(ident)
    hub.report_paper(user, paper.id, reason)
    flash(request, "Thank you: the moderators will look at it.")
    return RedirectResponse(f"/papers/{paper.id}", status_code=303)


@router.post("/comments/{comment_id}/hide")
def hide(
    request: Request, comment_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    hub.hide_comment(user, comment_id, reason)
    send_now(hub)  # the author's note
    flash(request, f"Comment {comment_id} is hidden.")
    return RedirectResponse(f"/comments/{comment_id}", status_code=303)


@router.post("/comments/{comment_id}/restore")
def restore(
    request: Request, comment_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    hub.restore_comment(user, comment_id, reason)
    send_now(hub)
    flash(request, f"Comment {comment_id} is shown again.")
    return RedirectResponse(f"/comments/{comment_id}", status_code=303)


@router.post("/comments/{comment_id}/let-through")
def let_through(
    request: Request, comment_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    hub.let_through(user, comment_id, reason)
    send_now(hub)
    flash(request, f"Comment {comment_id} is shown to everyone.")
    return RedirectResponse("/moderation#held", status_code=303)


@router.post("/users/{name}/suspend")
def suspend(
    request: Request,
    name: str,
    hub: HubDep,
    user: Poster,
    reason: Field = "",
    days: Field = "",
) -> Response:
    # The form's "for good" sends no days.
    try:
        length = int(days) if days.strip() else None
    except ValueError:
        length = 0  # refused by the hub, which says what it takes
    member = hub.suspend(user, name, length, reason)
    send_now(hub)
    flash(request, f"{member.name} is suspended.")
    return RedirectResponse(f"/users/{member.name}", status_code=303)


@router.post("/users/{name}/unsuspend")
def unsuspend(
    request: Request, name: str, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    member = hub.lift_suspension(user, name, reason)
    send_now(hub)
    flash(request, f"{member.name} may sign in again.")
    return RedirectResponse(f"/users/{member.name}", status_code=303)


PAPER_ACTIONS = ("remove", "restore", "lock", "unlock")


def _on_paper(hub: HubDep, user: User, action: str, ident: str, reason: str) -> Paper:
    do = {
        "remove": hub.remove_paper,
        "restore": hub.restore_paper,
        "lock": hub.lock_discussion,
        "unlock": hub.unlock_discussion,
    }[action]
    return do(user, ident, reason)


@router.post("/papers/{ident:path}/moderate")
def moderate_paper(
    request: Request,
    ident: str,
    hub: HubDep,
    user: Poster,
    action: Field = "",
    reason: Field = "",
) -> Response:
    if action not in PAPER_ACTIONS:
        raise InvalidInput(f"an action is one of {', '.join(PAPER_ACTIONS)}")
    paper = _on_paper(hub, user, action, ident, reason)
    flash(request, f"Done: {action} {paper.id}.")
    return RedirectResponse(f"/papers/{paper.id}", status_code=303)


@router.post("/reports/{report_id}/dismiss")
def dismiss(
    request: Request, report_id: int, hub: HubDep, user: Poster, reason: Field = ""
) -> Response:
    hub.dismiss_report(user, report_id, reason)
    flash(request, f"Report {report_id} is closed.")
    return RedirectResponse("/moderation#reports", status_code=303)


@router.get("/moderation", response_class=HTMLResponse)
def queue(hub: HubDep, page: Page, user: Member) -> Response:
    return page.render(
        "moderation.html",
        reports=hub.open_reports(user),
        held=hub.held_comments(user),
        claims=hub.pending_claims(user),
        log=hub.moderation_log(user),
    )


# -- the API ------------------------------------------------------------------------------------


@api.patch(
    "/comments/{comment_id}",
    responses=answer(200, "The comment as it reads now", shapes.Comment),
    operation_id="editComment",
)
def api_edit(
    comment_id: int,
    text: Annotated[str, Body(embed=True, min_length=1, max_length=MAX_COMMENT)],
    hub: HubDep,
    user: ApiMember,
) -> dict[str, object]:
    """Its author's new text for a comment (``{"text": ...}``); it is marked edited."""
    return wire.comment_json(hub.edit_comment(user, comment_id, text))


@api.delete("/comments/{comment_id}", status_code=204, operation_id="deleteComment")
def api_delete(comment_id: int, hub: HubDep, user: ApiMember) -> Response:
    """Its author deletes a comment: it shows as deleted in its thread, its replies stay."""
    hub.delete_comment(user, comment_id)
    return Response(status_code=204)


@api.post(
    "/comments/{comment_id}/report",
    status_code=201,
    responses=answer(201, "The report, for the moderators", shapes.Report),
    operation_id="reportComment",
)
def api_report(comment_id: int, reason: Reason, hub: HubDep, user: ApiMember) -> dict[str, int]:
    """Report a comment to the moderators (``{"reason": ...}``)."""
    return {"id": hub.report_comment(user, comment_id, reason)}


@api.post(
    "/papers/{paper_id:paper}/report",
    status_code=201,
    responses=answer(201, "The report, for the moderators", shapes.Report),
    operation_id="reportPaper",
)
def api_report_paper(paper_id: str, reason: Reason, hub: HubDep, user: ApiMember) -> dict[str, int]:
    """Report a paper to the moderators (``{"reason": ...}``)."""
    return {"id": hub.report_paper(user, paper_id, reason)}


@api.post(
    "/comments/{comment_id}/hide",
    responses=answer(200, "The comment, hidden", shapes.Comment),
    operation_id="hideComment",
)
def api_hide(comment_id: int, reason: Reason, hub: HubDep, user: ApiMember) -> dict[str, object]:
    """A moderator hides a comment from everyone else (``{"reason": ...}``, logged; its
    author is told by mail)."""
    hidden = hub.hide_comment(user, comment_id, reason)
    send_now(hub)
    return wire.comment_json(hidden)


@api.post(
    "/comments/{comment_id}/restore",
    responses=answer(200, "The comment, shown again", shapes.Comment),
    operation_id="restoreComment",
)
def api_restore(comment_id: int, reason: Reason, hub: HubDep, user: ApiMember) -> dict[str, object]:
    """A moderator shows a hidden comment again (``{"reason": ...}``, logged)."""
    shown = hub.restore_comment(user, comment_id, reason)
    send_now(hub)
    return wire.comment_json(shown)


@api.post(
    "/comments/{comment_id}/approve",
    responses=answer(200, "The comment, shown to everyone", shapes.Comment),
    operation_id="approveComment",
)
def api_approve(
    comment_id: int,
    hub: HubDep,
    user: ApiMember,
    reason: Annotated[str, Body(embed=True, max_length=1000)] = "",
) -> dict[str, object]:
    """A moderator lets a held comment through (``{"reason": ...}`` optional; logged, its
    author told by mail)."""
    shown = hub.let_through(user, comment_id, reason)
    send_now(hub)
    return wire.comment_json(shown)


@api.post(
    "/users/{name}/suspend",
    responses=answer(200, "The member's suspension", shapes.Suspension),
    operation_id="suspendMember",
)
def api_suspend(
    name: str,
    reason: Reason,
    hub: HubDep,
    user: ApiMember,
    days: Annotated[int | None, Body(embed=True, strict=True, ge=1, le=3650)] = None,
) -> dict[str, object]:
    """A moderator suspends a member for ``days`` (``null``: a ban), with a reason: their
    sessions end, their API tokens are revoked, they may not sign in; logged, and they are
    told by mail. Only an admin suspends a moderator or an admin."""
    member = hub.suspend(user, name, days, reason)
    send_now(hub)
    return {"name": member.name, "suspendedUntil": wire.iso(member.suspended_until)}


@api.post(
    "/users/{name}/unsuspend",
    responses=answer(200, "The member, free again", shapes.Suspension),
    operation_id="unsuspendMember",
)
def api_unsuspend(name: str, reason: Reason, hub: HubDep, user: ApiMember) -> dict[str, object]:
    """A moderator lifts a member's suspension, with a reason (logged; they are told)."""
    member = hub.lift_suspension(user, name, reason)
    send_now(hub)
    return {"name": member.name, "suspendedUntil": None}


@api.post(
    "/papers/{paper_id:paper}/{action}",
    responses=answer(200, "The paper as it stands now", shapes.Moderated),
    operation_id="moderatePaper",
)
def api_moderate_paper(
    paper_id: str,
    action: Literal["remove", "restore", "lock", "unlock"],
    reason: Reason,
    hub: HubDep,
    user: ApiMember,
) -> dict[str, object]:
    """A moderator removes a paper from the lists, search, feeds and digests (it stays in the
    store) or restores it, or locks or unlocks its discussion, with a reason (logged)."""
    paper = _on_paper(hub, user, action, paper_id, reason)
    return {"id": paper.id, "removed": paper.removed, "locked": paper.locked}
