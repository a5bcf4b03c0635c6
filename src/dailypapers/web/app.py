"""The ASGI application: pages, the JSON API, feeds, and how each of them reports an error.

``create_app(hub, settings)`` builds everything; nothing happens at import time. Errors from the
hub's one exception tree become ``application/problem+json`` with the right status on the API
and feeds, and a friendly page (or a redirect to sign in) on pages; nothing answers an error with
status 200.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.errors import DailyPapersError, RateLimited, Unauthorized
from dailypapers.hub import Hub
from dailypapers.web import api, feeds, mail, pages, personal
from dailypapers.web.auth import safe_next
from dailypapers.web.cache import ResponseCache
from dailypapers.web.schema import SECURITY_SCHEMES
from dailypapers.web.templating import Templates

log = logging.getLogger("dailypapers.web")
STATIC = Path(__file__).parent / "static"
# No form or API call needs more; anything larger is refused (413) before it is read whole.
MAX_BODY_BYTES = 1 << 20

# Pages load nothing from another site, and nothing inline: a strict policy costs nothing.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: cheaper than an HTTP middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(HTTPException):
    """Raised where the app reads a body past the limit; its handlers answer it as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is over {limit:,} bytes, more than any form or call"
        )


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with a 413 problem: at once when its
    Content-Length says so (before anything reads it), else as soon as the bytes read pass it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        read = 0
        started = False

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.limit:
                raise _TooLarge(self.limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = _TooLarge(self.limit).detail
        body = {"type": "about:blank", "title": "Content Too Large", "status": 413}
        body |= {"detail": detail, "instance": scope["path"]}
        response = JSONResponse(body, 413, media_type="application/problem+json")
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return (
        path.startswith(("/api/", "/feeds/", "/openapi.json"))
        or path.endswith(".md")
        or ("application/json" in accept and "text/html" not in accept)
    )


def create_app(
    hub: Hub,
    settings: Settings,
    *,
    background_index: bool = True,
    recheck_s: float = 0.5,
    worker: bool = False,
    fetch: bool = True,
) -> FastAPI:
    """The site over ``hub``. ``background_index`` keeps the search indexes current in a thread
    of this process (one process of an installation does it at a time); ``worker`` runs all the
    scheduled jobs in one instead (``serve --with-worker``, indexing included; ``fetch=False``
    without fetching, as the demo); ``recheck_s`` is how stale a page kept for signed-out
    readers may be (``cache.py``)."""
    secret = settings.require_secret()
    templates = Templates(settings, hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from dailypapers.jobs import BackgroundIndexer, Worker

        runner: BackgroundIndexer | Worker | None = None
        if worker:
            runner = Worker(hub, fetch=fetch)
        elif background_index:
            runner = BackgroundIndexer(hub)
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(
        title="dailypapers",
        version=__version__,
        summary="A Daily Papers hub; its JSON API speaks Hugging Face's papers API.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain_openapi()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Middleware added last runs first: security headers, then the session, then kept responses.
    app.add_middleware(ResponseCache, version=hub.version, recheck_s=recheck_s)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="dp_session",
        max_age=settings.session_days * 86400,
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )

    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)
    app.add_middleware(SecurityHeaders)

    def problem(request: Request, status: int, detail: str, headers: dict[str, str]) -> Response:
        if _wants_json(request):
            body = {
                "type": "about:blank",
                "title": HTTPStatus(status).phrase,
                "status": status,
                "detail": detail,
                "instance": request.url.path,
            }
            return JSONResponse(
                body, status, headers=headers, media_type="application/problem+json"
            )
        return templates.error(request, status, detail, headers)

    @app.exception_handler(DailyPapersError)
    async def hub_error(request: Request, exc: DailyPapersError) -> Response:
        headers = {}
        if isinstance(exc, RateLimited):
            headers["retry-after"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized) and not _wants_json(request):
            # A page that needs a member sends the visitor to sign in, and back afterwards.
            back = request.url.path if request.method == "GET" else request.headers.get("referer")
            target = "/signin" + (f"?next={quote(safe_next(back), safe='/')}" if back else "")
            return RedirectResponse(target, status_code=303)
        if exc.status >= 500:
            log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return problem(request, exc.status, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        return problem(request, 422, _validation_detail(exc), {})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
        path = request.url.path
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing here at {path}"
            if path.startswith("/api/papers/"):
                detail += "; a paper is named by its arXiv id (2501.00001, math-ph/0509037)"
        if exc.status_code == 405:
            # Every method the path takes, across all the routes that share it.
            headers["allow"] = ", ".join(_methods_of(app, request))
            detail = f"{request.method} is not a method {path} takes ({headers['allow']})"
        return problem(request, exc.status_code, detail, headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "something went wrong on our side; it has been logged", {})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router(hub, settings))
    app.include_router(mail.api_router(hub))
    app.include_router(feeds.router(hub, settings))
    app.include_router(personal.router(hub, settings, templates))
    app.include_router(mail.router(hub, settings, templates))
    app.include_router(pages.router(hub, settings, templates))
    pages.add_docs(app, templates)

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    return app


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _methods_of(app: FastAPI, request: Request) -> list[str]:
    """The methods some route takes at ``request``'s path, asked of the routes themselves."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in app.routes
        )
    ]


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"
