"""The pages of accounts people recover on their own: confirming an address (or a new one) by
its mailed link, asking for a password reset and setting the new password.

Nothing changes on a GET: mail scanners open every link in a message to check it. A link's
page refuses a forged, expired or used link at once, and its button does the change. The forms
a message's link opens carry no CSRF token: the signed token in them is the authority, and only
the owner of the address has it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.errors import InvalidInput
from dailypapers.web.auth import client_address, sign_in
from dailypapers.web.deps import CsrfChecked, HubDep, Page, Poster
from dailypapers.web.forms import Field, flash, whole
from dailypapers.web.mail import send_now

router = APIRouter(include_in_schema=False)


@router.get("/confirm-address", response_class=HTMLResponse)
def confirm_address_form(page: Page, token: str = "", change: str = "") -> Response:
    if change:
        return page.render("confirm_address.html", token="", change=whole(change))
    return page.render("confirm_address.html", token=whole(token), change="")


@router.post("/confirm-address")
def confirm_address(
    request: Request, hub: HubDep, token: Field = "", change: Field = ""
) -> Response:
    if change:  # a new address of an account, confirmed by its link
        user = hub.confirm_change(whole(change))
        send_now(hub)  # the note to the old address
        sign_in(request, hub, user)
        flash(request, f"Your address is now {user.email}.")
        return RedirectResponse(f"/users/{user.name}#account", status_code=303)
    user = hub.confirm_address(whole(token))
    sign_in(request, hub, user)
    flash(request, f"Your address is confirmed. Welcome, {user.name}!")
    return RedirectResponse("/", status_code=303)


@router.post("/settings/confirm-address")
def resend_confirmation(request: Request, hub: HubDep, user: Poster) -> Response:
    hub.resend_confirmation(user)
    send_now(hub)
    flash(request, f"We sent a new link to {user.email}.")
    return RedirectResponse(f"/users/{user.name}", status_code=303)


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_password_form(page: Page) -> Response:
    return page.render("forgot_password.html", forms=True, sent_to=None)


@router.post("/forgot-password", response_class=HTMLResponse, dependencies=[CsrfChecked])
def forgot_password(request: Request, hub: HubDep, page: Page, email: Field = "") -> Response:
    # The same answer whether or not the address has an account; the hub counts the requests
    # of the client and to the address.
    hub.forgot_password(email, client_address(request))
    send_now(hub)
    return page.render("forgot_password.html", forms=True, sent_to=email.strip())


@router.get("/reset-password", response_class=HTMLResponse)
def reset_password_form(hub: HubDep, page: Page, token: str = "") -> Response:
    user = hub.reset_user(whole(token))
    return page.render("reset_password.html", forms=True, token=token, member=user.name, error=None)


@router.post("/reset-password", response_class=HTMLResponse)
def reset_password(
    request: Request, hub: HubDep, page: Page, token: Field = "", password: Field = ""
) -> Response:
    try:
        user = hub.reset_password(whole(token), password)
    except InvalidInput as exc:
        member = hub.reset_user(token)  # a link that no longer works is its own error page
        return page.render(
            "reset_password.html", 400, forms=True, token=token, member=member.name, error=str(exc)
        )
    sign_in(request, hub, user)  # every other session of theirs has ended
    flash(request, "Your new password is set; you are signed out everywhere else.")
    return RedirectResponse("/", status_code=303)
