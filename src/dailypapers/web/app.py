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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.errors import DailyPapersError, RateLimited, Unauthorized
from dailypapers.hub import Hub
from dailypapers.web import api, feeds, mail, pages, personal
from dailypapers.web.auth import safe_next
from dailypapers.web.cache import ResponseCache
from dailypapers.web.templating import Templates

log = logging.getLogger("dailypapers.web")
STATIC = Path(__file__).parent / "static"

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
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing here at {request.url.path}"
        return problem(request, exc.status_code, detail, dict(exc.headers or {}))

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


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"
