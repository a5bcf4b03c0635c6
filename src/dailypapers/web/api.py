"""The JSON API, wire-compatible with Hugging Face's papers API (``huggingface_hub`` works on it).

Reads are open; writes take ``Authorization: Bearer TOKEN`` (a personal API token). Errors are
``application/problem+json`` (see ``app.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from dailypapers import wire
from dailypapers.hub import MAX_COMMENT, embedding_available
from dailypapers.web import shapes
from dailypapers.web.auth import api_user
from dailypapers.web.deps import ApiMember, HubDep
from dailypapers.web.mail import send_now
from dailypapers.web.schema import (
    LISTING,
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


register_paper_ids()
router = APIRouter(prefix="/api", tags=["papers"])
# A reader's own (For you, the reading list, follows, collections): every route takes a token.
own = APIRouter(prefix="/api", tags=["papers", "for you"], responses=WRITE)
_FIRST = "$response.body#/0/paper/id"  # the first paper of a list, for what is done to one


@router.get(
    "/daily_papers",
    responses={
        **answer(
            200,
            "The list's papers, in HF's daily_papers shape",
            list[shapes.DailyItem],
            paper=link("paper", paper_id=_FIRST),
            comments=link("paperComments", paper_id=_FIRST),
            comment=link("postComment", paper_id=_FIRST),
            upvote=link("upvote", paper_id=_FIRST),
            save=link("save", paper_id=_FIRST),
        ),
        **LISTING,
    },
)
def daily_papers(
    hub: HubDep,
    date: Annotated[Day | None, Query(description="a day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(description="an ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Query(description="a month, YYYY-MM")] = None,
    submitter: Annotated[str | None, Query(description="papers this member submitted")] = None,
    sort: Literal["publishedAt", "trending"] = "publishedAt",
    p: Annotated[int, Query(ge=0, description="page, from 0")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[Item]:
    """The daily list: a day's papers (default: the latest day), a week's or a month's; a
    ``submitter``'s, without a period, of every day, newest first.

    ``sort=publishedAt`` lists a day by its ranking and longer periods newest first;
    ``trending`` ranks by the site's trending formula.
    """
    # A day is listed in the order of its list, as on the page; a submitter's papers of every
    # day, newest first.
    day_list = sort == "publishedAt" and week is None and month is None
    order = "upvotes" if day_list and (date is not None or submitter is None) else sort
    listing = hub.paper_list(date, week, month, submitter, order)
    chosen = listing.papers[p * limit : (p + 1) * limit]
    day = listing.first if listing.kind == "day" else None
    return [wire.daily_item_json(paper, day) for paper in chosen]


@router.get(
    "/papers/search",
    responses={**answer(200, "Matching papers", list[shapes.DailyItem]), **LISTING},
)
def search_papers(
    q: Annotated[str, Query(min_length=1, description="words, or what the paper is about")],
    hub: HubDep,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH)] = 20,
    mode: Literal["lexical", "semantic", "hybrid"] | None = None,
) -> list[Item]:
    """Papers matching ``q`` (hybrid keyword + semantic search when the model is installed)."""
    chosen = mode or ("hybrid" if embedding_available() else "lexical")
    hits = hub.search(q, limit, None, chosen)
    return [wire.daily_item_json(hit.paper) for hit in hits]


@router.get(
    "/papers/{paper_id:paper}/comments",
    responses={**answer(200, "The comments, oldest first", list[shapes.Comment]), **READ},
    operation_id="paperComments",
)
def paper_comments(paper_id: str, hub: HubDep) -> list[Item]:
    """A paper's comments, oldest first."""
    return [wire.comment_json(c) for c in hub.comments(hub.shown_paper(paper_id))]


@router.post(
    "/papers/{paper_id:paper}/comments",
    status_code=201,
    operation_id="postComment",
    responses={
        **answer(
            201,
            "The comment",
            shapes.Comment,
            comments=link("paperComments", paper_id="$request.path.paper_id"),
        ),
        **WRITE,
        **problems(403),
    },
)
def post_comment(
    paper_id: str,
    text: Annotated[str, Body(embed=True, min_length=1, max_length=MAX_COMMENT)],
    hub: HubDep,
    user: ApiMember,
    parentId: Annotated[int | None, Body(embed=True, strict=True)] = None,
) -> Item:
    """Comment on a paper (``{"text": ...}``, optionally ``"parentId"`` to reply)."""
    posted = hub.comment(user, paper_id, text, parentId)
    send_now(hub)  # the messages of those who hear of it at once
    return wire.comment_json(posted)


@router.post(
    "/papers/{paper_id:paper}/upvote",
    responses={**answer(200, "The paper's upvotes", shapes.Vote), **WRITE},
    operation_id="upvote",
)
def upvote(paper_id: str, hub: HubDep, user: ApiMember) -> Item:
    """Upvote a paper (idempotent: a second upvote changes nothing)."""
    cast = hub.vote(user, paper_id, True)
    return {"id": cast.paper_id, "upvotes": cast.upvotes, "voted": True}


@router.delete(
    "/papers/{paper_id:paper}/upvote",
    responses={**answer(200, "The paper's upvotes", shapes.Vote), **WRITE},
)
def remove_upvote(paper_id: str, hub: HubDep, user: ApiMember) -> Item:
    """Take an upvote back (idempotent)."""
    cast = hub.vote(user, paper_id, False)
    return {"id": cast.paper_id, "upvotes": cast.upvotes, "voted": False}


@router.post(
    "/papers/submit",
    status_code=201,
    responses={
        **answer(
            201,
            "The paper, on today's list",
            shapes.DailyItem,
            paper=link("paper", paper_id="$response.body#/paper/id"),
            upvote=link("upvote", paper_id="$response.body#/paper/id"),
        ),
        **WRITE,
        **problems(403, 409, 502),
    },
)
def submit(
    id: Annotated[str, Body(embed=True, min_length=1, description="arXiv id or paper URL")],
    hub: HubDep,
    user: ApiMember,
) -> JSONResponse:
    """Submit a paper to today's daily list (fetched from arXiv if it is new here)."""
    paper = hub.submit(user, id)
    return JSONResponse(wire.daily_item_json(paper), status_code=201)


# -- a reader's own: For you, reading list, feedback, follows, collections ------------------


@own.get("/recommendations", responses=answer(200, "The picks", list[shapes.Recommendation]))
def recommendations(
    hub: HubDep,
    user: ApiMember,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    since: Annotated[Day | None, Query(description="first day; default a week ago")] = None,
) -> list[Item]:
    """The token owner's For you picks: daily-list items, each with its ``reason``."""
    result = hub.for_you(user, since, limit)
    return [
        {**wire.daily_item_json(pick.paper), "reason": pick.reason, "score": pick.score}
        for pick in result.picks
    ]


@own.get("/reading-list", responses=answer(200, "The saved papers", list[shapes.SavedItem]))
def reading_list(hub: HubDep, user: ApiMember) -> list[Item]:
    """The token owner's saved papers, newest first, with when they were saved and read."""
    saved = hub.reading_list(user)
    return [
        {**wire.daily_item_json(paper), "savedAt": wire.iso(at), "readAt": wire.iso(read)}
        for paper, at, read in saved
    ]


@own.post(
    "/papers/{paper_id:paper}/save",
    responses=answer(200, "Saved", shapes.Saved),
    operation_id="save",
)
def save(paper_id: str, hub: HubDep, user: ApiMember) -> Item:
    """Save a paper to the reading list (idempotent)."""
    paper = hub.save(user, paper_id, True)
    return {"id": paper.id, "saved": True}


@own.delete("/papers/{paper_id:paper}/save", responses=answer(200, "Not saved", shapes.Saved))
def unsave(paper_id: str, hub: HubDep, user: ApiMember) -> Item:
    """Take a paper off the reading list."""
    paper = hub.save(user, paper_id, False)
    return {"id": paper.id, "saved": False}


@own.post("/papers/{paper_id:paper}/read", responses=answer(200, "Marked", shapes.Read))
def mark_read(
    hub: HubDep,
    user: ApiMember,
    request: Request,
    paper_id: str,
    read: Annotated[bool, Body(embed=True, strict=True)] = True,
) -> Item:
    """Mark a saved paper read (``{"read": false}`` marks it unread)."""
    paper = hub.mark_read(user, paper_id, read)
    return {"id": paper.id, "read": read}


@own.post("/papers/{paper_id:paper}/feedback", responses=answer(200, "Noted", shapes.Feedback))
def feedback(
    paper_id: str,
    value: Annotated[
        int, Body(embed=True, strict=True, ge=-1, le=1, description="1 more, -1 less, 0")
    ],
    hub: HubDep,
    user: ApiMember,
) -> Item:
    """More like this (1), less like this (-1), or take it back (0)."""
    paper = hub.feedback(user, paper_id, value)
    return {"id": paper.id, "feedback": value}


@own.get("/follows", responses=answer(200, "The follows", list[shapes.Follow]))
def follows(hub: HubDep, user: ApiMember) -> list[Item]:
    """What the token owner follows."""
    return [wire.follow_json(f) for f in hub.follows(user)]


@own.post(
    "/follows",
    status_code=201,
    responses={
        **answer(
            201,
            "The follow",
            shapes.Follow,
            unfollow=link("unfollow", follow_id="$response.body#/id"),
        )
    },
)
def follow(
    kind: Annotated[Literal["author", "category", "search"], Body(embed=True)],
    value: Annotated[str, Body(embed=True, min_length=1, max_length=300)],
    hub: HubDep,
    user: ApiMember,
) -> Item:
    """Follow an author (as written on papers), an arXiv category, or a search."""
    return wire.follow_json(hub.follow(user, kind, value))


@own.delete("/follows/{follow_id}", status_code=204, operation_id="unfollow")
def unfollow(follow_id: Id, hub: HubDep, user: ApiMember) -> Response:
    """Stop following."""
    hub.unfollow(user, follow_id)
    return Response(status_code=204)


@own.get("/collections", responses=answer(200, "The collections", list[shapes.Collection]))
def my_collections(hub: HubDep, user: ApiMember) -> list[Item]:
    """The token owner's collections, private ones too."""
    return [wire.collection_json(c) for c in hub.collections(user.name, user)]


@own.post(
    "/collections",
    status_code=201,
    responses={
        **answer(
            201,
            "The collection",
            shapes.Collection,
            collection=link(
                "collection", owner="$response.body#/owner", slug="$response.body#/slug"
            ),
            collect=link("collect", slug="$response.body#/slug"),
        ),
        **problems(409),
    },
)
def create_collection(
    name: Annotated[str, Body(embed=True, min_length=1, max_length=100)],
    hub: HubDep,
    user: ApiMember,
    public: Annotated[bool, Body(embed=True, strict=True)] = False,
) -> Item:
    """Make a collection (its address comes from its name)."""
    return wire.collection_json(hub.create_collection(user, name, public))


@router.get(
    "/users/{owner}/collections/{slug}",
    responses={
        **answer(200, "The collection and its papers", shapes.CollectionItems),
        **READ,
        **problems(401),
    },
    tags=["for you"],
    openapi_extra=OPTIONAL_TOKEN,
    operation_id="collection",
)
def collection(request: Request, owner: str, slug: str, hub: HubDep) -> Item:
    """A public collection and its papers (a private one only with its owner's token)."""
    viewer = api_user(request, hub) if request.headers.get("authorization") else None
    found, papers = hub.collection(owner, slug, viewer)
    return {
        **wire.collection_json(found),
        "items": [wire.daily_item_json(paper) for paper in papers],
    }


@own.post(
    "/collections/{slug}/papers",
    status_code=201,
    responses={
        **answer(
            201,
            "The collection, with the paper in it",
            shapes.Collection,
            uncollect=link("uncollect", slug="$request.path.slug", paper_id="$request.body#/id"),
        )
    },
    operation_id="collect",
)
def collect(
    slug: str,
    id: Annotated[str, Body(embed=True, description="arXiv id or paper URL")],
    hub: HubDep,
    user: ApiMember,
) -> Item:
    """Add a paper to one of the token owner's collections."""
    return wire.collection_json(hub.collect(user, slug, id, True))


@own.delete(
    "/collections/{slug}/papers/{paper_id:paper}",
    responses=answer(200, "The collection", shapes.Collection),
    operation_id="uncollect",
)
def uncollect(slug: str, paper_id: str, hub: HubDep, user: ApiMember) -> Item:
    """Take a paper out of a collection."""
    return wire.collection_json(hub.collect(user, slug, paper_id, False))


@router.get(
    "/papers/{paper_id:paper}",
    responses={**answer(200, "The paper", shapes.PaperInfo), **READ},
    operation_id="paper",
)
def paper(paper_id: str, hub: HubDep) -> Item:
    """One paper, in the shape of Hugging Face's ``/api/papers/{id}``."""
    return {**wire.paper_json(hub.shown_paper(paper_id)), **wire.NO_LINKED_REPOS}
