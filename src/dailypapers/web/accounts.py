"""Members' own pages: signing up, in and out, the profile with its API tokens and sessions, and
the password.

Sign-in and sign-up forms carry a CSRF token too (a visitor gets one, and a cookie, when they
open the form), so that no other site can sign a browser in to an account of its choosing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from dailypapers import wire
from dailypapers.errors import Conflict, DailyPapersError, Forbidden, InvalidInput
from dailypapers.hub import Hub
from dailypapers.models import User
from dailypapers.web.auth import session_id, sign_in, sign_out
from dailypapers.web.deps import (
    CsrfChecked,
    HubDep,
    Member,
    Page,
    PageRenderer,
    Poster,
    Viewer,
    limited,
)
from dailypapers.web.forms import Field, back, flash
from dailypapers.web.mail import send_now

router = APIRouter(include_in_schema=False)


class SignUp(BaseModel):
    name: str = ""
    email: str = ""
    password: str = ""
    next: str = ""  # the page to go on to


class SignIn(BaseModel):
    login: str = ""  # a name or an email address
    password: str = ""
    next: str = ""


SignUpForm = Annotated[SignUp, Form()]
SignInForm = Annotated[SignIn, Form()]
# The form's CSRF token first, then the client address's count of attempts.
SIGN_UP = [CsrfChecked, limited("signup")]
SIGN_IN = [CsrfChecked, limited("signin")]


@router.get("/signup", response_class=HTMLResponse)
def signup_form(page: Page, next: str = "") -> Response:
    return page.render("signup.html", forms=True, next=next, error=None, values={})


@router.post("/signup", response_class=HTMLResponse, dependencies=SIGN_UP)
def signup(request: Request, hub: HubDep, page: Page, form: SignUpForm) -> Response:
    try:
        user = hub.sign_up(form.name, form.email, form.password)
    except (InvalidInput, Conflict) as exc:
        values = {"name": form.name, "email": form.email}
        error = str(exc)
        return page.render(
            "signup.html", exc.status, forms=True, next=form.next, error=error, values=values
        )
    if hub.mail_enabled:
        # The same answer whether the address was new or had an account: what happens next
        # is in the mail, which only the address's owner reads.
        send_now(hub)
        return page.render("signup_sent.html", email=form.email.strip())
    assert user is not None  # without mail, a taken address was a Conflict
    sign_in(request, hub, user)
    flash(request, f"Welcome, {user.name}!")
    return back(form.next)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(page: Page, next: str = "") -> Response:
    return page.render("signin.html", forms=True, next=next, error=None, login="")


@router.post("/signin", response_class=HTMLResponse, dependencies=SIGN_IN)
def signin(request: Request, hub: HubDep, page: Page, form: SignInForm) -> Response:
    try:
        user = hub.authenticate(form.login, form.password)
        sign_in(request, hub, user)  # Forbidden for a suspended member
    except DailyPapersError as exc:
        error, login = str(exc), form.login
        status = 403 if isinstance(exc, Forbidden) else 400
        return page.render(
            "signin.html", status, forms=True, next=form.next, error=error, login=login
        )
    return back(form.next)


@router.post("/signout", dependencies=[CsrfChecked])
def signout(request: Request, hub: HubDep) -> Response:
    sign_out(request, hub)
    return RedirectResponse("/", status_code=303)


# -- the profile --------------------------------------------------------------------------------


def profile_page(
    page: PageRenderer, hub: Hub, viewer: User | None, name: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    """A member's profile; to the member themself, with their tokens and sessions too."""
    found = hub.profile(name)
    own = viewer is not None and viewer.id == found.user.id
    written = hub.papers_written(found.user)
    return page.render(
        "profile.html",
        status,
        profile=found,
        own=own,
        tokens=hub.tokens(found.user) if own else [],
        sign_ins=hub.sign_ins(found.user) if own else [],
        this_session=session_id(page.request, hub),
        written=written,
        claims=hub.own_claims(found.user) if own else [],
        marks=hub.marks(viewer, written + found.upvoted + found.submitted),
        suspended=found.user.suspended(datetime.now(UTC)),
        moderating=viewer is not None and viewer.is_moderator and not own,
        **{"password_error": None, "delete_error": None, "address_error": None, **extra},
    )


@router.get("/users/{name}", response_class=HTMLResponse)
def profile(name: str, hub: HubDep, page: Page, viewer: Viewer) -> Response:
    return profile_page(page, hub, viewer, name)


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(hub: HubDep, page: Page, user: Poster, name: Field = "") -> Response:
    try:
        secret, token = hub.create_token(user, name)
    except InvalidInput as exc:
        return profile_page(page, hub, user, user.name, 422, token_error=str(exc))
    # Shown in this response only: the token itself is stored nowhere but in its hash.
    return profile_page(
        page, hub, user, user.name, 201, new_token=secret, new_token_name=token.name
    )


@router.post("/settings/tokens/revoke")
def revoke_token(request: Request, hub: HubDep, user: Poster, token: Field = "") -> Response:
    hub.revoke_token(user, token)
    flash(request, "The token is revoked.")
    return RedirectResponse(f"/users/{user.name}#tokens", status_code=303)


# -- sessions and the password ------------------------------------------------------------------


@router.post("/settings/sessions/{number}/end")
def end_session(request: Request, number: int, hub: HubDep, user: Poster) -> Response:
    if number == session_id(request, hub):
        sign_out(request, hub)
        return RedirectResponse("/", status_code=303)
    hub.end_sign_in(user, number)
    flash(request, "That session is signed out.")
    return RedirectResponse(f"/users/{user.name}#sessions", status_code=303)


@router.post("/settings/sessions/end-all")
def end_all_sessions(request: Request, hub: HubDep, user: Poster) -> Response:
    hub.sign_out_everywhere(user)
    sign_out(request, hub)
    return RedirectResponse("/", status_code=303)


@router.get("/settings/export")
def export(hub: HubDep, user: Member) -> Response:
    """Everything the site keeps of the member, as a JSON file to keep."""
    body = json.dumps(wire.member_data_json(hub.member_data(user)), indent=2)
    disposition = f'attachment; filename="dailypapers-{user.name}.json"'
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


@router.post("/settings/delete", response_class=HTMLResponse)
def delete_account(
    request: Request, hub: HubDep, page: Page, user: Poster, password: Field = ""
) -> Response:
    try:
        hub.delete_account(user, password)
    except InvalidInput as exc:
        return profile_page(page, hub, user, user.name, 400, delete_error=str(exc))
    request.session.clear()  # its session is gone from the store already
    flash(request, "Your account is deleted.")
    return RedirectResponse("/", status_code=303)


@router.post("/settings/name")
def change_display_name(
    request: Request, hub: HubDep, user: Poster, display_name: Field = ""
) -> Response:
    shown = hub.set_display_name(user, display_name)
    flash(request, f"You are shown as {shown.shown_name}.")
    return RedirectResponse(f"/users/{user.name}#account", status_code=303)


@router.post("/settings/address", response_class=HTMLResponse)
def change_address(
    request: Request,
    hub: HubDep,
    page: Page,
    user: Poster,
    email: Field = "",
    password: Field = "",
) -> Response:
    try:
        changed = hub.change_address(user, password, email)
    except (InvalidInput, Conflict) as exc:
        return profile_page(page, hub, user, user.name, exc.status, address_error=str(exc))
    if changed is None:
        send_now(hub)
        flash(request, f"We sent a link to {email.strip()}: follow it to make it your address.")
    else:
        flash(request, f"Your address is now {changed.email}.")
    return RedirectResponse(f"/users/{user.name}#account", status_code=303)


@router.post("/settings/password", response_class=HTMLResponse)
def change_password(
    request: Request, hub: HubDep, page: Page, user: Poster, current: Field = "", new: Field = ""
) -> Response:
    try:
        ended = hub.change_password(user, current, new, session_id(request, hub))
    except InvalidInput as exc:
        return profile_page(page, hub, user, user.name, 400, password_error=str(exc))
    others = f"; {ended} other session{'s' if ended != 1 else ''} signed out" if ended else ""
    flash(request, f"Your password is changed{others}.")
    return RedirectResponse(f"/users/{user.name}#password", status_code=303)
