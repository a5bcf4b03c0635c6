"""Whole responses kept for signed-out readers until what they show changes.

Most requests are signed-out readers asking for the same few lists; what they see depends only
on the store and the search indexes. Their version (the store's change sequence, which moves
with every paper written, vote and comment, and the indexes' watermarks) is read at most every
``recheck_s`` seconds; a kept response is served while it stands still, so a reader may see a
change that late. Signed-in members (whose pages show their own votes) always get a fresh page.

This is ASGI middleware, inside the session middleware: a kept response is sent from the event
loop without routing, validation or a worker thread, which is what keeps the tail latency low.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.web.auth import SESSION_FLASH, SESSION_TOKEN

# Paths whose response depends only on the URL and the version (not on who asks).
KEPT_PREFIXES = ("/papers/", "/api/daily_papers", "/api/papers/", "/feeds/")
KEPT_PATHS = frozenset({"/", "/trending", "/search"})


def keeps(path: str) -> bool:
    return path in KEPT_PATHS or path.startswith(KEPT_PREFIXES)


def _anyones(session: dict[str, object]) -> bool:
    """Whether this visitor sees what every signed-out reader sees: not when signed in, nor
    when a message waits for them (after a form they sent, such as the subscribe box)."""
    return session.get(SESSION_TOKEN) is None and SESSION_FLASH not in session


@dataclass(frozen=True, slots=True)
class _Kept:
    version: Hashable
    body: bytes
    headers: list[tuple[bytes, bytes]]


class ResponseCache:
    """An LRU of 200 responses by URL, each valid for one version."""

    def __init__(
        self,
        app: ASGIApp,
        version: Callable[[], Hashable],
        recheck_s: float = 0.5,
        size: int = 2048,
    ) -> None:
        self.app = app
        self._version_of = version
        self.recheck_s = recheck_s
        self.size = size
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._version: Hashable = None
        self._checked = float("-inf")
        self.hits = 0

    async def version(self) -> Hashable:
        now = time.monotonic()
        if now - self._checked >= self.recheck_s:
            self._checked = now
            # A database read: off the event loop.
            self._version = await asyncio.to_thread(self._version_of)
        return self._version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not keeps(scope["path"])
            or not _anyones(scope.get("session", {}))
        ):
            await self.app(scope, receive, send)
            return
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        version = await self.version()
        kept = self._kept.get(key)
        if kept is not None and kept.version == version:
            self._kept.move_to_end(key)
            self.hits += 1
            await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
            await send({"type": "http.response.body", "body": kept.body})
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(key, version, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _keep(self, key: str, version: Hashable, start: Message, body: bytes) -> None:
        headers = list(start.get("headers", []))
        # Only a plain 200 that sets no cookie is everyone's.
        if start.get("status") != 200 or any(name == b"set-cookie" for name, _ in headers):
            return
        self._kept[key] = _Kept(version, body, headers)
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
