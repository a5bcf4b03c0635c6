"""The JSON API, wire-compatible with Hugging Face's papers API (``huggingface_hub`` works on it).

Reads are open; writes take ``Authorization: Bearer TOKEN`` (a personal API token). Errors are
``application/problem+json`` (see ``app.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse

from dailypapers import wire
from dailypapers.config import Settings
from dailypapers.hub import Hub, embedding_available
from dailypapers.web.auth import api_user

MAX_SEARCH = 120
Item = dict[str, Any]
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such paper", **PROBLEM},
    422: {"description": "A parameter is not valid", **PROBLEM},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"description": "No valid API token", **PROBLEM},
    429: {"description": "Too many requests; see Retry-After", **PROBLEM},
}


def router(hub: Hub, settings: Settings) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["papers"])

    @api.get("/daily_papers", responses=ERRORS)
    def daily_papers(
        date: Annotated[date | None, Query(description="a day, YYYY-MM-DD")] = None,
        week: Annotated[str | None, Query(description="an ISO week, YYYY-Www")] = None,
        month: Annotated[str | None, Query(description="a month, YYYY-MM")] = None,
        submitter: Annotated[str | None, Query(description="papers this member submitted")] = None,
        sort: Literal["publishedAt", "trending"] = "publishedAt",
        p: Annotated[int, Query(ge=0, description="page, from 0")] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> list[Item]:
        """The daily list: a day's papers (default: the latest day), a week's or a month's.

        ``sort=publishedAt`` lists a day by its ranking and longer periods newest first;
        ``trending`` ranks by the site's trending formula.
        """
        # A day is listed in the order of its list, as on the page.
        day_list = sort == "publishedAt" and week is None and month is None
        order = "upvotes" if day_list else sort
        listing = hub.paper_list(date, week, month, submitter, order)
        chosen = listing.papers[p * limit : (p + 1) * limit]
        day = listing.first if listing.kind == "day" else None
        return [wire.daily_item_json(paper, day) for paper in chosen]

    @api.get("/papers/search", responses=ERRORS)
    def search_papers(
        q: Annotated[str, Query(min_length=1, description="words, or what the paper is about")],
        limit: Annotated[int, Query(ge=1, le=MAX_SEARCH)] = 20,
        mode: Literal["lexical", "semantic", "hybrid"] | None = None,
    ) -> list[Item]:
        """Papers matching ``q`` (hybrid keyword + semantic search when the model is installed)."""
        chosen = mode or ("hybrid" if embedding_available() else "lexical")
        hits = hub.search(q, limit, None, chosen)
        return [wire.daily_item_json(hit.paper) for hit in hits]

    @api.get("/papers/{paper_id:path}/comments", responses=ERRORS)
    def paper_comments(paper_id: str) -> list[Item]:
        """A paper's comments, oldest first."""
        return [wire.comment_json(c) for c in hub.comments(hub.paper(paper_id))]

    @api.post("/papers/{paper_id:path}/comments", status_code=201, responses=WRITE_ERRORS)
    def post_comment(
        request: Request,
        paper_id: str,
        text: Annotated[str, Body(embed=True, min_length=1)],
        parentId: Annotated[int | None, Body(embed=True)] = None,
    ) -> Item:
        """Comment on a paper (``{"text": ...}``, optionally ``"parentId"`` to reply)."""
        user = api_user(request, hub)
        return wire.comment_json(hub.comment(user, paper_id, text, parentId))

    @api.post("/papers/{paper_id:path}/upvote", responses=WRITE_ERRORS)
    def upvote(request: Request, paper_id: str) -> Item:
        """Upvote a paper (idempotent: a second upvote changes nothing)."""
        paper = hub.vote(api_user(request, hub), paper_id, True)
        return {"id": paper.id, "upvotes": paper.total_upvotes, "voted": True}

    @api.delete("/papers/{paper_id:path}/upvote", responses=WRITE_ERRORS)
    def remove_upvote(request: Request, paper_id: str) -> Item:
        """Take an upvote back (idempotent)."""
        paper = hub.vote(api_user(request, hub), paper_id, False)
        return {"id": paper.id, "upvotes": paper.total_upvotes, "voted": False}

    @api.post("/papers/submit", status_code=201, responses=WRITE_ERRORS)
    def submit(
        request: Request,
        id: Annotated[str, Body(embed=True, description="arXiv id or paper URL")],
    ) -> JSONResponse:
        """Submit a paper to today's daily list (fetched from arXiv if it is new here)."""
        paper = hub.submit(api_user(request, hub), id)
        return JSONResponse(wire.daily_item_json(paper), status_code=201)

    @api.get("/papers/{paper_id:path}", responses=ERRORS)
    def paper(paper_id: str) -> Item:
        """One paper, in the shape of Hugging Face's ``/api/papers/{id}``."""
        return wire.paper_json(hub.paper(paper_id))

    return api
