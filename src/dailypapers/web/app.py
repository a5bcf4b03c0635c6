"""The ASGI application: pages, the JSON API and feeds, over one hub.

``create_app(hub, settings)`` builds everything; nothing happens at import time. The routes are
module-level (``pages``, ``accounts``, ``personal``, ``mail``, ``api``, ``feeds``) and ask for
what they need through ``deps.py``; errors are answered by ``handlers.py``.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.errors import DailyPapersError
from dailypapers.hub import Hub
from dailypapers.web import (
    accounts,
    admin,
    agents,
    api,
    authors,
    discovery,
    feeds,
    handlers,
    images,
    mail,
    membership,
    moderation,
    notifications,
    pages,
    personal,
)
from dailypapers.web.cache import ResponseCache
from dailypapers.web.middleware import MAX_BODY_BYTES, BodyLimit, SecurityHeaders
from dailypapers.web.shared import MemberPages
from dailypapers.web.templating import Templates

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# In the order their paths are tried, route by route (a microsecond or two each): the pages
# read most first. No GET path of the others is one the pages' catch-all (a paper's page) takes.
ROUTERS = (
    pages.router,
    api.router,
    api.own,
    notifications.api,
    authors.api,  # before moderation's /api/papers/{id}/{action}
    moderation.api,
    admin.api,
    mail.api_router,
    feeds.router,
    personal.router,
    mail.router,
    accounts.router,
    membership.router,
    moderation.router,
    admin.router,
    authors.router,
    notifications.router,
    images.router,
    discovery.router,
)

health = APIRouter(include_in_schema=False)


@health.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


def create_app(
    hub: Hub,
    settings: Settings,
    *,
    background_index: bool = True,
    recheck_s: float = 0.5,
    worker: bool = False,
    fetch: bool = True,
    serving: bool = False,
) -> FastAPI:
    """The site over ``hub``. ``background_index`` keeps the search indexes current in a thread
    of this process (one process of an installation does it at a time); ``worker`` runs all the
    scheduled jobs in one instead (``serve --with-worker``, indexing included; ``fetch=False``
    without fetching, as the demo); ``recheck_s`` is how stale a page kept for signed-out
    readers may be (``cache.py``). ``serving`` says the app is this process's whole work
    (``serve``): the garbage collector and the allocator are then set for serving once the
    model is loaded."""
    secret = settings.require_secret()
    templates = Templates(settings, hub, settings.page_cache_bytes("cards"))
    mcp = agents.http_app(agents.build(hub, settings.base_url), settings.base_url)
    app = FastAPI(
        title="dailypapers",
        version=__version__,
        summary="A Daily Papers hub; its JSON API speaks Hugging Face's papers API.",
        docs_url=None,
        redoc_url=None,
        lifespan=_background(hub, background_index, worker, fetch, mcp, serving),
    )
    # Middleware added last runs first: security headers, then the session, then kept responses.
    members = MemberPages(hub, settings.page_cache_bytes("members"))
    app.add_middleware(
        ResponseCache,
        version=hub.version,
        recheck_s=recheck_s,
        budget=settings.page_cache_bytes("responses"),
        members=members,
        max_age=settings.cache_max_age,
    )
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
    handlers.install(app, templates)
    # What the routes ask for by name (``deps.py``).
    app.state.hub, app.state.settings, app.state.templates = hub, settings, templates
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (health, *ROUTERS):
        app.include_router(router)
    app.router.routes.extend(mcp.routes)  # /mcp, for AI agents (``agents.py``)
    return app


# mallopt's parameter for the number of arenas (malloc.h).
M_ARENA_MAX = -8


def settle_for_serving() -> None:
    """Set the garbage collector and the allocator for a serving process. What the process
    holds from its start (modules, the model, the templates, the indexes' readers) is frozen
    out of the collector's reach, and a young collection waits for 20,000 new objects instead
    of 700: with 50 requests in flight, the default promoted each request's objects to the old
    generations, whose full collections held the interpreter 100-300 ms each, several times a
    minute (measured in docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)
    _fewer_arenas()


def _fewer_arenas() -> None:
    """Let glibc's allocator make no more than two arenas, not eight per core: each of the 40
    request threads would otherwise free into an arena of its own, holding what one page freed
    for another thread's page (measured in docs/benchmarks.md). It bounds the arenas made from
    now on; ``serve --workers N`` also sets ``MALLOC_ARENA_MAX`` for its workers, which bounds
    them all. Nothing where the C library is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


def _background(
    hub: Hub, index: bool, worker: bool, fetch: bool, mcp: Starlette, serving: bool = False
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """What runs beside the site while it serves: the MCP server's session manager, and the
    worker, or the indexer, or neither."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from dailypapers.jobs import BackgroundIndexer, Worker

        runner: BackgroundIndexer | Worker | None = None
        if worker:
            runner = Worker(hub, fetch=fetch)
        elif index:
            runner = BackgroundIndexer(hub)
        try:
            # Before the first request: a search by meaning never waits for the model.
            await asyncio.to_thread(hub.warm)
        except DailyPapersError as exc:
            log.warning("search by meaning is off: %s", exc)
        if serving:
            settle_for_serving()
        if runner is not None:
            runner.start()
        try:
            async with mcp.router.lifespan_context(mcp):
                yield
        finally:
            if runner is not None:
                runner.stop()

    return lifespan
