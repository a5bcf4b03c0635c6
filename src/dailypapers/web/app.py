"""The ASGI application: today's list as a page, and papers as HF-compatible JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from dailypapers.config import Settings
from dailypapers.errors import DailyPapersError
from dailypapers.hub import Hub
from dailypapers.wire import paper_json

_TEMPLATES = Path(__file__).parent / "templates"


def create_app(hub: Hub, settings: Settings) -> FastAPI:
    """The site over ``hub``; nothing is built at import time."""
    app = FastAPI(title="dailypapers", docs_url="/api/docs", redoc_url=None)
    templates = Jinja2Templates(directory=_TEMPLATES)

    @app.exception_handler(DailyPapersError)
    async def problem(request: Request, exc: DailyPapersError) -> JSONResponse:
        body = {
            "type": "about:blank",
            "title": type(exc).__name__,
            "status": exc.status,
            "detail": str(exc),
        }
        return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")

    @app.get("/", response_class=HTMLResponse)
    def daily(request: Request, date: date | None = None) -> HTMLResponse:
        day, papers = hub.daily(date)
        return templates.TemplateResponse(
            request, "daily.html", {"day": day, "papers": papers, "stats": hub.stats()}
        )

    @app.get("/api/papers/{paper_id:path}")
    def paper(paper_id: str) -> JSONResponse:
        return JSONResponse(paper_json(hub.paper(paper_id)))

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
