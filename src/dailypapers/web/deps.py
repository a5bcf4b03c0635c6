"""What a route asks for, as FastAPI dependencies: the hub and the settings of the app it runs
in, and the page it answers; who is asking (a member or no one); the signed-in member; a form a
member posted, its CSRF token checked; a button pressed on a paper's card; and the owner of an
API token.

``create_app`` puts the hub, the settings and the templates on ``app.state``; a route names
what it needs in its signature (``hub: HubDep, page: Page, user: Member``) and gets it, so the
routes are plain module-level functions. Who is asking is found once per request
(``auth.current_user`` keeps it on ``request.state``); a visitor without a session cookie costs
no read at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request, Security
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from dailypapers.config import Settings
from dailypapers.errors import Unauthorized
from dailypapers.hub import Hub
from dailypapers.models import User
from dailypapers.web.auth import SESSION_TOKEN, api_user, check_csrf, client_address, current_user
from dailypapers.web.forms import Field, back, wants_json
from dailypapers.web.schema import BEARER, BEARER_HELP
from dailypapers.web.templating import Templates


async def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


HubDep = Annotated[Hub, Depends(_hub)]
SettingsDep = Annotated[Settings, Depends(_settings)]


class PageRenderer:
    """The page a request answers, rendered with the app's templates for that request (the
    viewer, the CSRF token, the flash message and the feeds come with it)."""

    __slots__ = ("request", "templates")

    def __init__(self, request: Request, templates: Templates) -> None:
        self.request = request
        self.templates = templates

    def render(
        self, name: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> HTMLResponse:
        """Template ``name`` with ``context``, answered with ``status``."""
        return self.templates.page(self.request, name, status, headers, **context)


async def _page(request: Request) -> PageRenderer:
    return PageRenderer(request, request.app.state.templates)


Page = Annotated[PageRenderer, Depends(_page)]


async def _viewer(request: Request, hub: HubDep) -> User | None:
    # Only a session cookie is worth a read of the store, done off the event loop.
    if not hasattr(request.state, "user"):
        token = request.session.get(SESSION_TOKEN) if "session" in request.scope else None
        if token is None:
            request.state.user = request.state.session_id = None
        else:
            await run_in_threadpool(current_user, request, hub)
    viewer: User | None = request.state.user
    return viewer


Viewer = Annotated[User | None, Depends(_viewer)]


async def _member(viewer: Viewer) -> User:
    if viewer is None:
        raise Unauthorized("sign in first")
    return viewer


Member = Annotated[User, Depends(_member)]


async def _csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    check_csrf(request, csrf)


CsrfChecked = Depends(_csrf)


async def _poster(member: Member, _checked: Annotated[None, CsrfChecked]) -> User:
    return member


Poster = Annotated[User, Depends(_poster)]
"""The signed-in member who posted the form, its CSRF token checked (in that order: a visitor
who is signed out is sent to sign in, a forged form is refused)."""


def limited(action: str) -> Any:
    """A dependency that counts the request against its client address's limit for
    ``action`` (RateLimited past it), for routes that list it in ``dependencies``."""

    def count(request: Request, hub: HubDep) -> None:
        hub.limit(action, client_address(request))

    return Depends(count)


class Button:
    """A button pressed on a paper's card (upvote, save, read, more or less like this,
    collect): who pressed it, its form's CSRF token checked, the paper its path names, and the
    page to go back to."""

    __slots__ = ("hub", "ident", "next", "request", "user")

    def __init__(
        self, request: Request, ident: str, hub: HubDep, user: Poster, next: Field = ""
    ) -> None:
        self.request, self.ident, self.hub, self.user, self.next = request, ident, hub, user, next

    def answer(self, paper_id: str, fallback: str = "", **state: object) -> Response:
        """The new ``state`` as JSON for the page's script (which saves the reload), else a
        redirect back (to ``fallback`` or the paper when the form named no page)."""
        if wants_json(self.request):
            return JSONResponse({"id": paper_id, **state})
        return back(self.next, fallback or f"/papers/{paper_id}")


Pressed = Annotated[Button, Depends()]


# Declares the scheme in /openapi.json; the header itself is read by ``auth.api_user``, whose
# refusal says what to send.
_bearer = HTTPBearer(scheme_name=BEARER, description=BEARER_HELP, auto_error=False)


def _api_member(
    request: Request,
    hub: HubDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> User:
    return api_user(request, hub)


ApiMember = Annotated[User, Depends(_api_member)]
"""The owner of the request's ``Authorization: Bearer`` token (Unauthorized without one)."""
