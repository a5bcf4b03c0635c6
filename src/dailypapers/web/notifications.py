"""A member's notifications on the site and in the API: replies to their comments, mentions of
their name, comments on papers they wrote or submitted; the page marks them read as it shows
them, and sets how the member hears of them by mail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import StrictInt

from dailypapers import wire
from dailypapers.models import NOTIFICATION_PHRASES
from dailypapers.web import shapes
from dailypapers.web.deps import ApiMember, HubDep, Member, Page, Poster
from dailypapers.web.forms import Field, flash
from dailypapers.web.schema import WRITE, answer, problems

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["notifications"])

MODES = {
    "instant": "a message for each, at once",
    "digest": "in my daily digest",
    "never": "never: I look here",
}


@router.get("/notifications", response_class=HTMLResponse)
def notifications(hub: HubDep, page: Page, user: Member) -> Response:
    shown = hub.notifications(user)
    # Seen once shown: the header's count goes back to nothing.
    hub.mark_notifications_read(user, [item.id for item in shown if not item.read])
    return page.render(
        "notifications.html", notifications=shown, modes=MODES, phrases=NOTIFICATION_PHRASES
    )


@router.post("/settings/notifications")
def set_mode(request: Request, hub: HubDep, user: Poster, mode: Field) -> Response:
    changed = hub.set_notify_email(user, mode)
    flash(request, f"Notifications by mail: {MODES[changed.notify_email]}.")
    return RedirectResponse("/notifications", status_code=303)


@api.get(
    "/notifications",
    responses={
        **answer(200, "Your notifications, newest first", shapes.Notifications),
        **problems(400, 401, 422),
    },
    operation_id="listNotifications",
)
def api_list(hub: HubDep, user: ApiMember) -> dict[str, object]:
    """Your notifications (the 50 newest) and how many are unread; reading them here marks
    nothing read."""
    return {
        "unread": hub.unread_notifications(user),
        "notifications": [wire.notification_json(item) for item in hub.notifications(user)],
    }


@api.post(
    "/notifications/read",
    responses={**answer(200, "How many were unread", shapes.MarkedRead), **WRITE},
    operation_id="markNotificationsRead",
)
def api_read(
    hub: HubDep,
    user: ApiMember,
    ids: Annotated[list[StrictInt] | None, Body(embed=True, max_length=1000)] = None,
) -> dict[str, int]:
    """Mark notifications read: ``{"ids": [...]}``, or all of them without ``ids``."""
    return {"marked": hub.mark_notifications_read(user, ids)}


@api.put(
    "/settings/notifications",
    responses={**answer(200, "How you hear of notifications by mail", shapes.NotifyMode), **WRITE},
    operation_id="setNotificationMail",
)
def api_mode(
    hub: HubDep,
    user: ApiMember,
    mode: Annotated[Literal["instant", "digest", "never"], Body(embed=True)],
) -> dict[str, str]:
    """How you hear of notifications by mail: a message each at once (``instant``), in your
    daily digest (``digest``), or ``never``."""
    return {"mode": hub.set_notify_email(user, mode).notify_email}
