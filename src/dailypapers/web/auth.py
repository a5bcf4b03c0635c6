"""Who is asking: the signed session cookie, CSRF tokens for forms, and Bearer API tokens.

The session is a cookie signed with the installation's secret (Starlette's SessionMiddleware:
HttpOnly, SameSite=Lax, Secure when the site is served over https). A signed-in one holds the
token of a session the store keeps (``store/accounts.py``), so the server can end it: signing out,
"sign out everywhere" and a password change make a copied cookie worth nothing. It also holds a
CSRF token; every form carries it and every POST checks it, so a page on another site cannot
post in a member's name. Anonymous visitors get no cookie until they open a form.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from dailypapers.errors import Forbidden, Unauthorized
from dailypapers.hub import Hub
from dailypapers.models import User

SESSION_TOKEN = "sid"
SESSION_CSRF = "csrf"
SESSION_FLASH = "flash"


def current_user(request: Request, hub: Hub) -> User | None:
    """The signed-in member, or None (an ended or lapsed session signs out)."""
    if hasattr(request.state, "user"):
        known: User | None = request.state.user
        return known
    token = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
    found = hub.session_member(token) if isinstance(token, str) else None
    if found is None and token is not None:
        request.session.pop(SESSION_TOKEN, None)
    user, session = found or (None, None)
    request.state.user, request.state.session_id = user, session
    return user


def session_id(request: Request, hub: Hub) -> int | None:
    """The id of the signed-in member's session (which their profile marks as this one)."""
    current_user(request, hub)
    number: int | None = request.state.session_id
    return number


def sign_in(request: Request, hub: Hub, user: User) -> None:
    # A fresh CSRF token with every sign-in: one seen before it is worth nothing after.
    request.session.clear()
    request.session[SESSION_TOKEN] = hub.sign_in(user, request.headers.get("user-agent", ""))
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    request.state.user = user
    request.state.session_id = None


def sign_out(request: Request, hub: Hub) -> None:
    """End this browser's session, on the server too."""
    token = request.session.get(SESSION_TOKEN)
    if isinstance(token, str):
        hub.sign_out(token)
    request.session.clear()
    request.state.user = request.state.session_id = None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (this is when a visitor gets a cookie)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get(SESSION_CSRF)
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected, submitted)
    ):
        raise Forbidden("this form has expired or came from another site; reload the page")


def api_user(request: Request, hub: Hub) -> User:
    """The owner of the request's ``Authorization: Bearer`` token (the write API needs one)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "send a personal API token as 'Authorization: Bearer TOKEN' "
            "(create one on your profile page, or with `dailypapers token create`)"
        )
    return hub.user_for_token(token.strip())


def client_address(request: Request) -> str:
    # Behind a reverse proxy, uvicorn's proxy headers support puts the real client here.
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/``: no redirects to other sites."""
    if not target:
        return "/"
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
