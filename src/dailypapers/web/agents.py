"""The site for AI agents: an MCP server over the hub, at ``/mcp`` (streamable HTTP) and on stdio
(``dailypapers mcp``).

Its tools read what the site shows: a search, a paper as Markdown, the daily lists, trending,
the papers nearest to one; and, for a member, their recommendations and reading list, and
saving a paper. A member is named by an API token: ``Authorization: Bearer`` on ``/mcp``, the
``--token`` of ``dailypapers mcp``. Every paper in a result carries its id and its links.

The HTTP transport is stateless (every request stands alone), so any web process of an
installation answers any request, as for the rest of the site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from dailypapers import __version__, wire
from dailypapers.errors import DailyPapersError, Unauthorized
from dailypapers.hub import Hub, LexicalFilters, embedding_available
from dailypapers.models import Paper, User
from dailypapers.text import web_url

T = TypeVar("T")
MAX_RESULTS = 50
INSTRUCTIONS = (
    "A Daily Papers hub: research papers from arXiv and Hugging Face's daily lists, ranked by "
    "its community's upvotes. Search by words or meaning, read a paper as Markdown, list a "
    "day's, week's or month's papers, see what is trending. With a member's API token: their "
    "recommendations and reading list, and saving a paper to it."
)


def paper_brief(paper: Paper, base_url: str) -> dict[str, Any]:
    """A paper in a tool's result: what tells it apart, and where to read more."""
    base = base_url.rstrip("/")
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list((paper.authors or ())[:10]),
        "published": paper.day.isoformat() if paper.day else None,
        "upvotes": paper.total_upvotes,
        "comments": paper.num_comments,
        "url": f"{base}/papers/{paper.id}",
        "markdown": f"{base}/papers/{paper.id}.md",
        "arxiv": wire.arxiv_url(paper),
        "pdf": wire.pdf_url(paper),
        "code": web_url(paper.github_repo),
    }


def build(hub: Hub, base_url: str, token: str | None = None) -> MCPServer:
    """The MCP server over ``hub``; links in its results start with ``base_url``. ``token`` is
    the API token of the member the personal tools act for on stdio (on HTTP each request's
    ``Authorization`` header names one)."""
    server: MCPServer = MCPServer(
        name="dailypapers", instructions=INSTRUCTIONS, version=__version__
    )

    _add_reading_tools(server, hub, base_url)
    _add_member_tools(server, hub, base_url, token)
    return server


async def call(work: Callable[[], T]) -> T:
    """``work`` done off the event loop (the hub blocks on the database); the hub's errors are
    the tool's, said to the agent."""
    try:
        return await anyio.to_thread.run_sync(work)
    except DailyPapersError as exc:
        raise ToolError(str(exc)) from exc


def _add_reading_tools(server: MCPServer, hub: Hub, base_url: str) -> None:
    def briefs(papers: list[Paper]) -> list[dict[str, Any]]:
        return [paper_brief(paper, base_url) for paper in papers]

    @server.tool()
    async def search_papers(
        query: str,
        mode: Literal["lexical", "semantic", "hybrid"] | None = None,
        category: str | None = None,
        published_from: date | None = None,
        published_to: date | None = None,
        limit: int = 10,
    ) -> dict[str, Any]:
        """Papers matching a query: words, "phrases", author:Name, cat:cs.LG, an arXiv id, or
        what a paper is about (mode semantic or hybrid). Optional filters: an arXiv category
        and publication dates (YYYY-MM-DD)."""
        chosen = mode or ("hybrid" if embedding_available() else "lexical")
        filters = LexicalFilters(published_from, published_to, (category,) if category else ())
        count = max(1, min(limit, MAX_RESULTS))
        hits = await call(lambda: hub.search(query, count, filters, chosen))
        return {"query": query, "mode": chosen, "papers": briefs([hit.paper for hit in hits])}

    @server.tool(structured_output=False)  # Markdown, as the text it is
    async def get_paper(paper_id: str) -> str:
        """One paper as Markdown: title, authors, dates, links, abstract, BibTeX, its discussion
        and the papers nearest to it. ``paper_id`` is an arXiv id (2501.00001) or a link."""

        def read() -> str:
            paper = hub.shown_paper(paper_id)
            similar = [hit.paper for hit in _similar(hub, paper.id, 5)]
            return wire.paper_markdown(paper, base_url, hub.comments(paper), similar)

        return await call(read)

    @server.tool()
    async def daily_papers(
        date: date | None = None, week: str | None = None, month: str | None = None
    ) -> dict[str, Any]:
        """The papers of a day's list (default: the latest), most upvoted first; or of an ISO
        week (2026-W06) or a month (2026-02). Give at most one of date, week and month."""
        listing = await call(lambda: hub.paper_list(date, week, month))
        day = listing.first.isoformat() if listing.first else None
        return {"period": week or month or day, "papers": briefs(listing.papers[:MAX_RESULTS])}

    @server.tool()
    async def trending(window: Literal["day", "week", "month"] = "week") -> dict[str, Any]:
        """The papers trending over the last day, week or month, by the site's formula."""
        ranked = await call(lambda: hub.trending(window, MAX_RESULTS))
        papers = briefs([paper for paper, _ in ranked.items])
        for brief, (_, score) in zip(papers, ranked.items, strict=True):
            brief["score"] = round(score, 6)
        return {"window": window, "formula": ranked.formula, "papers": papers}

    @server.tool()
    async def similar_papers(paper_id: str, limit: int = 10) -> dict[str, Any]:
        """The papers nearest in meaning to one paper."""
        count = max(1, min(limit, MAX_RESULTS))
        hits = await call(lambda: _similar(hub, paper_id, count))
        return {"paper_id": paper_id, "papers": briefs([hit.paper for hit in hits])}


def _add_member_tools(server: MCPServer, hub: Hub, base_url: str, token: str | None) -> None:
    def member(ctx: Context) -> User:
        header = (ctx.headers or {}).get("authorization", "")
        scheme, _, secret = header.partition(" ")
        secret = secret.strip() if scheme.lower() == "bearer" else (token or "")
        if not secret:
            raise Unauthorized(
                "this tool acts for a member: send their API token as 'Authorization: Bearer "
                "TOKEN' (or start `dailypapers mcp --token TOKEN`)"
            )
        return hub.user_for_token(secret)

    @server.tool()
    async def recommendations(ctx: Context, limit: int = 10) -> dict[str, Any]:
        """The member's For you picks, each with why it is there (needs their API token)."""

        def picks() -> list[dict[str, Any]]:
            result = hub.for_you(member(ctx), limit=max(1, min(limit, MAX_RESULTS)))
            return [
                {**paper_brief(pick.paper, base_url), "reason": pick.reason}
                for pick in result.picks
            ]

        return {"papers": await call(picks)}

    @server.tool()
    async def reading_list(ctx: Context) -> dict[str, Any]:
        """The member's saved papers, newest first (needs their API token)."""

        def saved() -> list[dict[str, Any]]:
            return [
                {**paper_brief(paper, base_url), "saved": wire.iso(at), "read": wire.iso(read)}
                for paper, at, read in hub.reading_list(member(ctx))
            ]

        return {"papers": await call(saved)}

    @server.tool()
    async def save_paper(ctx: Context, paper_id: str) -> dict[str, Any]:
        """Save a paper to the member's reading list (needs their API token)."""
        paper = await call(lambda: hub.save(member(ctx), paper_id, True))
        return {**paper_brief(paper, base_url), "saved": True}


def _similar(hub: Hub, paper_id: str, limit: int) -> list[Any]:
    try:
        return hub.similar(paper_id, limit)
    except DailyPapersError:
        hub.paper(paper_id)  # an unknown paper is said; no vectors yet is an empty answer
        return []


def http_app(server: MCPServer, base_url: str) -> Starlette:
    """The streamable HTTP app of ``server`` at ``/mcp``, answering requests for this site's
    own host (and loopback) only, which keeps other sites' pages from reaching it through a
    browser on the reader's machine (DNS rebinding)."""
    site = urlsplit(base_url)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[site.netloc, "127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=[
            f"{site.scheme}://{site.netloc}",
            "http://127.0.0.1:*",
            "http://localhost:*",
            "http://[::1]:*",
        ],
    )
    return server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=security,
    )
