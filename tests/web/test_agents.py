"""AI agents on the site: the MCP server, driven by the MCP SDK's own client, over streamable
HTTP against the site on loopback and over stdio against ``dailypapers mcp``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest

from web.conftest import LiveServer, Site, make_site

mcp = pytest.importorskip("mcp")
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

TOOLS = {
    "search_papers",
    "get_paper",
    "daily_papers",
    "trending",
    "similar_papers",
    "recommendations",
    "reading_list",
    "save_paper",
}


@pytest.fixture(scope="module")
def token(site: Site) -> str:
    user = site.hub.create_user("agent", "agent@example.org")
    secret, _ = site.hub.create_token(user, "mcp")
    return secret


def _data(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return result.content[0].text


async def _session(transport: Any, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Every tool listed, then each call's result (or its error text), by tool name."""
    answers: dict[str, Any] = {}
    async with Client(transport) as client:
        listed = await client.list_tools()
        answers["tools"] = {tool.name for tool in listed.tools}
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            answers[name] = ("error", result.content[0].text) if result.is_error else _data(result)
    return answers


READS = [
    ("search_papers", {"query": "PaperBanana", "mode": "lexical", "limit": 3}),
    ("get_paper", {"paper_id": "2601.23265"}),
    ("daily_papers", {"date": "2026-02-02"}),
    ("trending", {"window": "month"}),
    ("similar_papers", {"paper_id": "2601.23265", "limit": 3}),
]


def _check_reads(answers: dict[str, Any], base: str) -> None:
    assert answers["tools"] == TOOLS
    found = answers["search_papers"]["papers"]
    assert found[0]["id"] == "2601.23265"
    assert found[0]["url"] == f"{base}/papers/2601.23265"
    assert found[0]["markdown"] == f"{base}/papers/2601.23265.md"
    assert found[0]["arxiv"] == "https://arxiv.org/abs/2601.23265"
    assert answers["get_paper"].startswith("# PaperBanana")
    assert "## Abstract" in answers["get_paper"] and "## Similar papers" in answers["get_paper"]
    day = answers["daily_papers"]
    assert day["period"] == "2026-02-02" and day["papers"][0]["id"] == "2601.23265"
    ranked = answers["trending"]["papers"]
    assert ranked and ranked[0]["score"] >= ranked[-1]["score"]
    similar = answers["similar_papers"]["papers"]
    assert len(similar) == 3 and "2601.23265" not in [p["id"] for p in similar]


def test_an_agent_reads_and_saves_over_http(live: LiveServer, token: str) -> None:
    endpoint = f"{live.url}/mcp"
    answers = anyio.run(_session, endpoint, [*READS, ("reading_list", {})])
    _check_reads(answers, live.site.hub.settings.base_url.rstrip("/"))
    kind, said = answers["reading_list"]
    assert kind == "error" and "Authorization: Bearer" in said  # personal tools need a token

    async def as_member() -> dict[str, Any]:
        headers = {"authorization": f"Bearer {token}"}
        async with httpx2.AsyncClient(headers=headers) as http:
            transport = streamable_http_client(endpoint, http_client=http)
            return await _session(
                transport,
                [
                    ("save_paper", {"paper_id": "2602.02343"}),
                    ("reading_list", {}),
                    ("recommendations", {"limit": 5}),
                    ("get_paper", {"paper_id": "2401.99999"}),
                ],
            )

    mine = anyio.run(as_member)
    assert mine["save_paper"]["id"] == "2602.02343" and mine["save_paper"]["saved"] is True
    assert [p["id"] for p in mine["reading_list"]["papers"]] == ["2602.02343"]
    assert all("reason" in pick for pick in mine["recommendations"]["papers"])
    kind, said = mine["get_paper"]
    assert kind == "error" and "2401.99999" in said
    user = live.site.hub.user_named("agent")
    assert [paper.id for paper, _, _ in live.site.hub.reading_list(user)] == ["2602.02343"]


def test_other_sites_pages_cannot_reach_it(live: LiveServer) -> None:
    # A page elsewhere, posting from a browser on the reader's machine (DNS rebinding).
    answer = httpx2.post(
        f"{live.url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"host": "evil.example", "content-type": "application/json"},
    )
    assert answer.status_code in (400, 403, 421)


@pytest.fixture(scope="module")
def stdio_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("stdio"))
    yield made
    made.hub.close()


def test_an_agent_reads_over_stdio(stdio_site: Site) -> None:
    hub = stdio_site.hub
    user = hub.create_user("stdio-agent", "stdio@example.org")
    secret, _ = hub.create_token(user, "mcp")
    base = "http://papers.example.org"
    environment = {
        **os.environ,
        "DAILYPAPERS_SECRET_KEY": hub.settings.secret_key,
        "DAILYPAPERS_BASE_URL": base,
    }
    command = StdioServerParameters(
        command=sys.executable,
        args=["-m", "dailypapers.cli", "mcp", "--data-dir", str(stdio_site.path)],
        env={**environment, "DAILYPAPERS_TOKEN": secret},
    )
    answers = anyio.run(_session, command, [*READS, ("save_paper", {"paper_id": "2602.00919"})])
    _check_reads(answers, base)
    assert answers["save_paper"]["url"] == f"{base}/papers/2602.00919"
    assert [paper.id for paper, _, _ in hub.reading_list(user)] == ["2602.00919"]
