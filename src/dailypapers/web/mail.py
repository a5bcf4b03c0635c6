"""Email digests on the site: the subscribe box, the pages a message links to, email settings.

Subscribing is double opt-in: whoever posts an address, only a confirmation goes to it, and
nothing more until a person follows its link and presses the button. Every link in a message
carries a signed token that names the subscription; the token, not a sign-in, is what lets its
page change anything. A member also manages their digest from ``/settings/email`` and can
preview it at ``/digest/preview``.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from fastapi import APIRouter, BackgroundTasks, Body, Form, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from pydantic import BaseModel

from dailypapers.accounts import check_email
from dailypapers.errors import DailyPapersError, InvalidInput
from dailypapers.hub import Hub, check_topics
from dailypapers.models import Subscription, User
from dailypapers.web import shapes
from dailypapers.web.auth import client_address
from dailypapers.web.deps import HubDep, Member, Page, PageRenderer, Poster, Viewer
from dailypapers.web.forms import Field, back, flash, wants_json, whole
from dailypapers.web.schema import Day, answer, problems

log = logging.getLogger("dailypapers.web")

# Messages sent at once after a subscription request: its confirmation, and a few that wait.
SEND_NOW = 20
FREQUENCIES = {"daily": "Daily (weekdays)", "weekly": "Weekly"}
Period = Literal["daily", "weekly"]
# A preview is a message's HTML, inline styles and all, shown on its own: it may style itself,
# and nothing in it can run, load from elsewhere, post a form or be framed.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SUBSCRIBE_ERRORS = problems(400, 413, 422, 429, 503)


@cache
def zones() -> list[str]:
    """The IANA time zone names a subscriber may choose from."""
    return sorted(available_timezones())


def topics_of(text: str) -> list[str]:
    """The topics typed into a form, comma-separated (the hub trims and checks them)."""
    return text.split(",")


class DigestForm(BaseModel):
    """What a digest's form asks (each page shows the fields it needs): the address, how
    often, about what (comma-separated), in which time zone."""

    email: str = ""
    frequency: str = "daily"
    topics: str = ""
    timezone: str = ""

    @property
    def chosen(self) -> list[str]:
        return topics_of(self.topics)

    @property
    def zone(self) -> str | None:
        return self.timezone.strip() or None


DigestFields = Annotated[DigestForm, Form()]


def check_inbox(email: str) -> str:
    return f"Check your inbox at {check_email(email)}: follow the link in it to start your digest."


def pending(email: str, frequency: str, topics: list[str]) -> dict[str, Any]:
    """The answer to a subscription request. It is the same whether or not the address was
    subscribed already, so that nobody learns who is: the request, as the hub reads it."""
    return {
        "email": check_email(email),
        "frequency": frequency,
        "topics": check_topics(topics),
        "status": "pending",
        "detail": check_inbox(email),
    }


def send_now(hub: Hub) -> None:
    """Send what waits in the outbox, so a confirmation arrives within seconds of the request.
    What fails here waits for the worker, which retries it. Nothing on a site without mail."""
    if not hub.mail_enabled:
        return
    try:
        hub.send_due(limit=SEND_NOW, wait=False)
    except DailyPapersError as exc:
        log.warning("sending at once failed; the worker will retry: %s", exc)


# ``POST /api/subscriptions``: the subscribe box for programs.
api_router = APIRouter(prefix="/api", tags=["email"])
# The pages: subscribing, confirming, managing and ending a digest, and previewing one.
router = APIRouter(include_in_schema=False)


@api_router.post(
    "/subscriptions",
    status_code=202,
    responses={
        **answer(202, "The request, as the hub reads it", shapes.PendingSubscription),
        **SUBSCRIBE_ERRORS,
    },
)
def subscribe(
    request: Request,
    background: BackgroundTasks,
    hub: HubDep,
    email: Annotated[str, Body(embed=True, max_length=320, description="where digests go")],
    frequency: Annotated[Period, Body(embed=True)] = "daily",
    topics: Annotated[
        list[str] | None,
        Body(embed=True, description="only trending papers about these, e.g. cs.CL or RAG"),
    ] = None,
    timezone: Annotated[
        str | None, Body(embed=True, description="an IANA name, e.g. Europe/Paris")
    ] = None,
) -> JSONResponse:
    """Ask for digests at an address; a confirmation goes to it, and nothing else until its
    link is followed. The answer does not say whether the address was subscribed already."""
    hub.subscribe(email, frequency, topics or [], timezone, client=client_address(request))
    background.add_task(send_now, hub)
    return JSONResponse(pending(email, frequency, topics or []), status_code=202)


def manage_url(hub: Hub, subscription: Subscription) -> str:
    return f"/subscription?token={hub.manage_token(subscription)}"


# -- subscribing ------------------------------------------------------------------------------


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(page: Page) -> Response:
    return page.render("subscribe.html", error=None, values={}, next="")


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe_page(
    request: Request,
    background: BackgroundTasks,
    hub: HubDep,
    page: Page,
    viewer: Viewer,
    form: DigestFields,
    next: Field = "",
) -> Response:
    # No CSRF token, on purpose: the box is on pages kept and shared between signed-out
    # readers (cache.py), so it can carry nothing per visitor. Double opt-in makes a forged
    # post harmless: at most one rate-limited confirmation that nobody follows.
    email, frequency, chosen = form.email, form.frequency, form.chosen
    try:
        hub.subscribe(email, frequency, chosen, user=viewer, client=client_address(request))
    except InvalidInput as exc:
        if wants_json(request):
            raise
        values = {"email": email, "frequency": frequency, "topics": form.topics}
        return page.render("subscribe.html", exc.status, error=str(exc), values=values, next=next)
    background.add_task(send_now, hub)
    if wants_json(request):
        return JSONResponse(pending(email, frequency, chosen), status_code=202)
    flash(request, check_inbox(email))
    return back(next)


# -- the links in a message -----------------------------------------------------------------


@router.get("/subscriptions/confirm", response_class=HTMLResponse)
def confirm_form(hub: HubDep, page: Page, token: str = "") -> Response:
    # Nothing changes on GET: mail scanners open every link in a message to check it. A
    # forged or expired link is refused here already, before anyone presses the button.
    hub.to_confirm(whole(token))
    return page.render("confirm.html", token=token, subscription=None)


@router.post("/subscriptions/confirm", response_class=HTMLResponse)
def confirm(hub: HubDep, page: Page, token: Field = "") -> Response:
    # No CSRF token: the signed token in the form is the authority, and only the owner of
    # the address has it.
    subscription = hub.confirm(token)
    return page.render(
        "confirm.html", token=token, subscription=subscription, manage=manage_url(hub, subscription)
    )


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_form(hub: HubDep, page: Page, token: str = "") -> Response:
    subscription = hub.subscription_for(token)
    return page.render("unsubscribe.html", token=token, subscription=subscription, done=False)


@router.post("/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, hub: HubDep, page: Page, token: Field = "") -> Response:
    # RFC 8058 one-click: a mail client posts "List-Unsubscribe=One-Click" to the URL in the
    # message's header, with no cookies, so the signed token in that URL is the authority
    # (no CSRF token). The button on our own page sends the token in the form instead.
    subscription = hub.unsubscribe(request.query_params.get("token") or token)
    return page.render("unsubscribe.html", token="", subscription=subscription, done=True)


def manage_page(
    page: PageRenderer, subscription: Subscription, token: str, status: int = 200, **extra: Any
) -> Response:
    return page.render(
        "subscription.html",
        status,
        subscription=subscription,
        token=token,
        frequencies=FREQUENCIES,
        zones=zones(),
        **{"error": None, "message": None, **extra},
    )


@router.get("/subscription", response_class=HTMLResponse)
def manage(hub: HubDep, page: Page, token: str = "") -> Response:
    return manage_page(page, hub.subscription_for(token), token)


@router.post("/subscription", response_class=HTMLResponse)
def save(hub: HubDep, page: Page, form: DigestFields, token: Field = "") -> Response:
    # Authorised by the signed token in the form, like the other links in a message.
    subscription = hub.subscription_for(token)
    try:
        changed = hub.change_subscription(subscription, form.frequency, form.chosen, form.zone)
    except InvalidInput as exc:
        return manage_page(page, subscription, token, exc.status, error=str(exc))
    saved = "Saved: " + describe(changed)
    return manage_page(page, changed, token, message=saved)


# -- a member's email settings --------------------------------------------------------------


def settings_page(
    page: PageRenderer, hub: Hub, user: User, status: int = 200, **extra: Any
) -> HTMLResponse:
    linked = hub.subscription_of(user)
    live = linked if linked is not None and linked.status in ("pending", "active") else None
    elsewhere = None
    if live is None:
        by_email = hub.subscription_by_email(user.email)
        if by_email is not None and by_email.status == "active":
            elsewhere = by_email  # someone subscribed the address without signing in
    return page.render(
        "email_settings.html",
        status,
        subscription=live,
        ended=linked if live is None else None,
        elsewhere=elsewhere,
        frequencies=FREQUENCIES,
        zones=zones(),
        site_zone=hub.settings.timezone,
        **{"error": None, "values": {}, **extra},
    )


@router.get("/settings/email", response_class=HTMLResponse)
def email_settings(hub: HubDep, page: Page, user: Member) -> Response:
    return settings_page(page, hub, user)


@router.post("/settings/email", response_class=HTMLResponse)
def save_email_settings(
    request: Request,
    background: BackgroundTasks,
    hub: HubDep,
    page: Page,
    user: Poster,
    form: DigestFields,
    action: Annotated[Literal["subscribe", "save", "unsubscribe"], Form()] = "save",
) -> Response:
    frequency, chosen, zone = form.frequency, form.chosen, form.zone
    try:
        if action == "subscribe":
            address = form.email.strip() or user.email
            hub.subscribe(address, frequency, chosen, zone, user, client_address(request))
            background.add_task(send_now, hub)
            address = check_email(address)  # as it is stored and mailed
            done = f"A confirmation is on its way to {address}: follow the link in it to "
            done += "start your digest."
        else:
            done = change_own(hub, user, action, frequency, chosen, zone)
    except InvalidInput as exc:
        values = {**form.model_dump(), "timezone": zone}
        return settings_page(page, hub, user, exc.status, error=str(exc), values=values)
    flash(request, done)
    return RedirectResponse("/settings/email", status_code=303)


def change_own(
    hub: Hub, user: User, action: str, frequency: str, topics: list[str], zone: str | None
) -> str:
    """Change or end the member's own digest; what to tell them."""
    linked = hub.subscription_of(user)
    if linked is None or linked.status not in ("pending", "active"):
        raise InvalidInput("you have no digest to change; subscribe first")
    if action == "unsubscribe":
        hub.end_subscription(linked)
        return f"Unsubscribed: nothing more goes to {linked.email}."
    return "Saved: " + describe(hub.change_subscription(linked, frequency, topics, zone))


@router.get("/digest/preview")
def preview(
    request: Request,
    hub: HubDep,
    user: Member,
    period: Period = "daily",
    day: Annotated[Day | None, Query(alias="date")] = None,
    fmt: Annotated[Literal["html", "text"], Query(alias="format")] = "html",
) -> Response:
    _, message = hub.preview_digest(user, period, day)
    part = message.get_body(("plain",) if fmt == "text" else ("html",))
    body = str(part.get_content()) if part is not None else ""
    # What a member's digest holds is theirs alone: no cache keeps it.
    headers = {"cache-control": "no-store"}
    if fmt == "text":
        return PlainTextResponse(body, headers=headers)
    return HTMLResponse(body, headers={**headers, "content-security-policy": PREVIEW_CSP})


def describe(subscription: Subscription) -> str:
    """``weekly, about cs.CL and RAG, in Europe/Paris time``."""
    about = f", about {', '.join(subscription.topics)}" if subscription.topics else ""
    return f"{subscription.frequency}{about}, in {subscription.timezone} time."
