"""The JSON API, wire-compatible with Hugging Face's papers API (``huggingface_hub`` works on it).

Reads are open; writes take ``Authorization: Bearer TOKEN`` (a personal API token). Errors are
``application/problem+json`` (see ``app.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from dailypapers import wire
from dailypapers.config import Settings
from dailypapers.hub import MAX_COMMENT, Hub, embedding_available
from dailypapers.web.auth import api_user
from dailypapers.web.schema import (
    NEEDS_TOKEN,
    READ,
    WRITE,
    Day,
    answer,
    link,
    problems,
    register_paper_ids,
)

MAX_SEARCH = 120
Item = dict[str, Any]
# Paths name papers by id ({paper_id:paper}: an arXiv or local id, see responses.py).
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}, *NEEDS_TOKEN["security"]]}


def router(hub: Hub, settings: Settings) -> APIRouter:
    register_paper_ids()
    api = APIRouter(prefix="/api", tags=["papers"])

    first = "$response.body#/0/paper/id"  # the first paper of a list, for what is done to one

    @api.get(
        "/daily_papers",
        responses={
            **answer(
                200,
                "The list's papers, in HF's daily_papers shape",
                paper=link("paper", paper_id=first),
                comments=link("paperComments", paper_id=first),
                comment=link("postComment", paper_id=first),
                upvote=link("upvote", paper_id=first),
                save=link("save", paper_id=first),
            ),
            **READ,
        },
    )
    def daily_papers(
        date: Annotated[Day | None, Query(description="a day, YYYY-MM-DD")] = None,
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

    @api.get("/papers/search", responses=READ)
    def search_papers(
        q: Annotated[str, Query(min_length=1, description="words, or what the paper is about")],
        limit: Annotated[int, Query(ge=1, le=MAX_SEARCH)] = 20,
        mode: Literal["lexical", "semantic", "hybrid"] | None = None,
    ) -> list[Item]:
        """Papers matching ``q`` (hybrid keyword + semantic search when the model is installed)."""
        chosen = mode or ("hybrid" if embedding_available() else "lexical")
        hits = hub.search(q, limit, None, chosen)
        return [wire.daily_item_json(hit.paper) for hit in hits]

    @api.get("/papers/{paper_id:paper}/comments", responses=READ, operation_id="paperComments")
    def paper_comments(paper_id: str) -> list[Item]:
        """A paper's comments, oldest first."""
        return [wire.comment_json(c) for c in hub.comments(hub.paper(paper_id))]

    @api.post(
        "/papers/{paper_id:paper}/comments",
        status_code=201,
        operation_id="postComment",
        responses={
            **answer(
                201,
                "The comment",
                comments=link("paperComments", paper_id="$request.path.paper_id"),
            ),
            **WRITE,
        },
        openapi_extra=NEEDS_TOKEN,
    )
    def post_comment(
        request: Request,
        paper_id: str,
        text: Annotated[str, Body(embed=True, min_length=1, max_length=MAX_COMMENT)],
        parentId: Annotated[int | None, Body(embed=True, strict=True)] = None,
    ) -> Item:
        """Comment on a paper (``{"text": ...}``, optionally ``"parentId"`` to reply)."""
        user = api_user(request, hub)
        return wire.comment_json(hub.comment(user, paper_id, text, parentId))

    @api.post(
        "/papers/{paper_id:paper}/upvote",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        operation_id="upvote",
    )
    def upvote(request: Request, paper_id: str) -> Item:
        """Upvote a paper (idempotent: a second upvote changes nothing)."""
        cast = hub.vote(api_user(request, hub), paper_id, True)
        return {"id": cast.paper_id, "upvotes": cast.upvotes, "voted": True}

    @api.delete("/papers/{paper_id:paper}/upvote", responses=WRITE, openapi_extra=NEEDS_TOKEN)
    def remove_upvote(request: Request, paper_id: str) -> Item:
        """Take an upvote back (idempotent)."""
        cast = hub.vote(api_user(request, hub), paper_id, False)
        return {"id": cast.paper_id, "upvotes": cast.upvotes, "voted": False}

    @api.post(
        "/papers/submit",
        status_code=201,
        responses={
            **answer(
                201,
                "The paper, on today's list",
                paper=link("paper", paper_id="$response.body#/paper/id"),
                upvote=link("upvote", paper_id="$response.body#/paper/id"),
            ),
            **WRITE,
            **problems(409, 502),
        },
        openapi_extra=NEEDS_TOKEN,
    )
    def submit(
        request: Request,
        id: Annotated[str, Body(embed=True, min_length=1, description="arXiv id or paper URL")],
    ) -> JSONResponse:
        """Submit a paper to today's daily list (fetched from arXiv if it is new here)."""
        paper = hub.submit(api_user(request, hub), id)
        return JSONResponse(wire.daily_item_json(paper), status_code=201)

    # -- a reader's own: For you, reading list, feedback, follows, collections ------------------

    @api.get("/recommendations", responses=WRITE, openapi_extra=NEEDS_TOKEN, tags=["for you"])
    def recommendations(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=100)] = 30,
        since: Annotated[Day | None, Query(description="first day; default a week ago")] = None,
    ) -> list[Item]:
        """The token owner's For you picks: daily-list items, each with its ``reason``."""
        result = hub.for_you(api_user(request, hub), since, limit)
        return [
            {**wire.daily_item_json(pick.paper), "reason": pick.reason, "score": pick.score}
            for pick in result.picks
        ]

    @api.get("/reading-list", responses=WRITE, openapi_extra=NEEDS_TOKEN, tags=["for you"])
    def reading_list(request: Request) -> list[Item]:
        """The token owner's saved papers, newest first, with when they were saved and read."""
        saved = hub.reading_list(api_user(request, hub))
        return [
            {**wire.daily_item_json(paper), "savedAt": wire.iso(at), "readAt": wire.iso(read)}
            for paper, at, read in saved
        ]

    @api.post(
        "/papers/{paper_id:paper}/save",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
        operation_id="save",
    )
    def save(request: Request, paper_id: str) -> Item:
        """Save a paper to the reading list (idempotent)."""
        paper = hub.save(api_user(request, hub), paper_id, True)
        return {"id": paper.id, "saved": True}

    @api.delete(
        "/papers/{paper_id:paper}/save",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
    )
    def unsave(request: Request, paper_id: str) -> Item:
        """Take a paper off the reading list."""
        paper = hub.save(api_user(request, hub), paper_id, False)
        return {"id": paper.id, "saved": False}

    @api.post(
        "/papers/{paper_id:paper}/read",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
    )
    def mark_read(
        request: Request, paper_id: str, read: Annotated[bool, Body(embed=True, strict=True)] = True
    ) -> Item:
        """Mark a saved paper read (``{"read": false}`` marks it unread)."""
        paper = hub.mark_read(api_user(request, hub), paper_id, read)
        return {"id": paper.id, "read": read}

    @api.post(
        "/papers/{paper_id:paper}/feedback",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
    )
    def feedback(
        request: Request,
        paper_id: str,
        value: Annotated[
            int, Body(embed=True, strict=True, ge=-1, le=1, description="1 more, -1 less, 0")
        ],
    ) -> Item:
        """More like this (1), less like this (-1), or take it back (0)."""
        paper = hub.feedback(api_user(request, hub), paper_id, value)
        return {"id": paper.id, "feedback": value}

    @api.get("/follows", responses=WRITE, openapi_extra=NEEDS_TOKEN, tags=["for you"])
    def follows(request: Request) -> list[Item]:
        """What the token owner follows."""
        return [wire.follow_json(f) for f in hub.follows(api_user(request, hub))]

    @api.post(
        "/follows",
        status_code=201,
        responses={
            **answer(201, "The follow", unfollow=link("unfollow", follow_id="$response.body#/id")),
            **WRITE,
        },
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
    )
    def follow(
        request: Request,
        kind: Annotated[Literal["author", "category", "search"], Body(embed=True)],
        value: Annotated[str, Body(embed=True, min_length=1, max_length=300)],
    ) -> Item:
        """Follow an author (as written on papers), an arXiv category, or a search."""
        return wire.follow_json(hub.follow(api_user(request, hub), kind, value))

    @api.delete(
        "/follows/{follow_id}",
        status_code=204,
        responses=WRITE,
        tags=["for you"],
        openapi_extra=NEEDS_TOKEN,
        operation_id="unfollow",
    )
    def unfollow(request: Request, follow_id: Id) -> Response:
        """Stop following."""
        hub.unfollow(api_user(request, hub), follow_id)
        return Response(status_code=204)

    @api.get("/collections", responses=WRITE, openapi_extra=NEEDS_TOKEN, tags=["for you"])
    def my_collections(request: Request) -> list[Item]:
        """The token owner's collections, private ones too."""
        user = api_user(request, hub)
        return [wire.collection_json(c) for c in hub.collections(user.name, user)]

    @api.post(
        "/collections",
        status_code=201,
        responses={
            **answer(
                201,
                "The collection",
                collection=link(
                    "collection", owner="$response.body#/owner", slug="$response.body#/slug"
                ),
                collect=link("collect", slug="$response.body#/slug"),
            ),
            **WRITE,
            **problems(409),
        },
        tags=["for you"],
        openapi_extra=NEEDS_TOKEN,
    )
    def create_collection(
        request: Request,
        name: Annotated[str, Body(embed=True, min_length=1, max_length=100)],
        public: Annotated[bool, Body(embed=True, strict=True)] = False,
    ) -> Item:
        """Make a collection (its address comes from its name)."""
        return wire.collection_json(hub.create_collection(api_user(request, hub), name, public))

    @api.get(
        "/users/{owner}/collections/{slug}",
        responses={**READ, **problems(401)},
        tags=["for you"],
        openapi_extra=OPTIONAL_TOKEN,
        operation_id="collection",
    )
    def collection(request: Request, owner: str, slug: str) -> Item:
        """A public collection and its papers (a private one only with its owner's token)."""
        viewer = api_user(request, hub) if request.headers.get("authorization") else None
        found, papers = hub.collection(owner, slug, viewer)
        return {
            **wire.collection_json(found),
            "items": [wire.daily_item_json(paper) for paper in papers],
        }

    @api.post(
        "/collections/{slug}/papers",
        status_code=201,
        responses={
            **answer(
                201,
                "The collection, with the paper in it",
                uncollect=link(
                    "uncollect", slug="$request.path.slug", paper_id="$request.body#/id"
                ),
            ),
            **WRITE,
        },
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
        operation_id="collect",
    )
    def collect(
        request: Request,
        slug: str,
        id: Annotated[str, Body(embed=True, description="arXiv id or paper URL")],
    ) -> Item:
        """Add a paper to one of the token owner's collections."""
        return wire.collection_json(hub.collect(api_user(request, hub), slug, id, True))

    @api.delete(
        "/collections/{slug}/papers/{paper_id:paper}",
        responses=WRITE,
        openapi_extra=NEEDS_TOKEN,
        tags=["for you"],
        operation_id="uncollect",
    )
    def uncollect(request: Request, slug: str, paper_id: str) -> Item:
        """Take a paper out of a collection."""
        return wire.collection_json(hub.collect(api_user(request, hub), slug, paper_id, False))

    @api.get("/papers/{paper_id:paper}", responses=READ, operation_id="paper")
    def paper(paper_id: str) -> Item:
        """One paper, in the shape of Hugging Face's ``/api/papers/{id}``."""
        return wire.paper_json(hub.paper(paper_id))

    return api
