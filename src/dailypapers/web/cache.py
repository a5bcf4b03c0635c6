"""Whole responses kept for signed-out readers until what they show changes.

Most requests are signed-out readers asking for the same few lists; what they see depends only
on the store and the search indexes. Their version (the store's change sequence, which moves
with every paper written, vote and comment, and the indexes' watermarks) is read at most every
``recheck_s`` seconds; a kept response is served while it stands still, so a reader may see a
change that late. Signed-in members (whose pages show their own votes) always get a fresh page.

This is ASGI middleware, inside the session middleware: a kept response is sent from the event
loop without routing, validation or a worker thread, which is what keeps the tail latency low.

It also speaks HTTP caching, so that a browser, a proxy or a CDN can keep these pages too: what
signed-out readers get carries a weak ``ETag`` (the URL and the version), ``Last-Modified`` (when
this process first saw the version) and ``Cache-Control: public`` with a short ``max-age``, and a
conditional GET whose tag or date still holds is answered ``304 Not Modified`` without building
the page; a member's copy of the same page is ``private, no-cache``. All of them ``Vary`` on the
cookie and the ``Authorization`` header.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.kept import Kept
from dailypapers.web.auth import SESSION_CSRF, SESSION_FLASH, SESSION_TOKEN
from dailypapers.web.shared import MemberPages, shareable
from dailypapers.web.templating import SHARE, SHARED

# Paths whose response depends only on the URL and the version (not on who asks).
KEPT_PREFIXES = ("/papers/", "/authors/", "/api/daily_papers", "/api/papers/", "/feeds/")
KEPT_PATHS = frozenset({"/", "/trending", "/search"})
# How much longer than its max-age (the ``cache_max_age`` setting) a browser or proxy may show
# a signed-out page while it asks for a new one.
STALE_S = 300
PRIVATE = b"private, no-cache"
# The session middleware outside this one adds Cookie to Vary whenever the session is read, and
# this middleware reads it for every page it may keep.
VARY = b"Authorization"


def keeps(path: str) -> bool:
    return path in KEPT_PATHS or path.startswith(KEPT_PREFIXES)


def same_for_all(path: str) -> bool:
    """Whether nobody's session changes what ``path`` answers: the API and the feeds (which know
    members by their tokens, on other paths) and a paper page's Markdown and JSON twins."""
    return path.startswith(("/api/", "/feeds/")) or path.endswith((".md", ".json"))


def _anyones(session: dict[str, object]) -> bool:
    """Whether this visitor sees what every signed-out reader sees: not when signed in, nor
    when a message waits for them (after a form they sent, such as the subscribe box)."""
    return session.get(SESSION_TOKEN) is None and SESSION_FLASH not in session


@dataclass(frozen=True, slots=True)
class _Response:
    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes


class ResponseCache:
    """The responses readers share by URL, each valid for one version, the least recently
    used dropped past ``budget`` bytes."""

    def __init__(
        self,
        app: ASGIApp,
        version: Callable[[], Hashable],
        recheck_s: float = 0.5,
        budget: int = 64 << 20,
        members: MemberPages | None = None,
        max_age: int = 30,
    ) -> None:
        self.app = app
        self.members = members
        self._public = f"public, max-age={max_age}, stale-while-revalidate={STALE_S}".encode()
        self._version_of = version
        self.recheck_s = recheck_s
        self._kept: Kept[_Response] = Kept(budget)  # bytes of bodies, at most
        self._version: Hashable = None
        self._since = 0.0  # wall-clock time this process first saw the version
        self._modified = b""  # the same, as Last-Modified writes it
        self._checked = float("-inf")
        self.hits = 0

    async def version(self) -> Hashable:
        now = time.monotonic()
        if now - self._checked >= self.recheck_s:
            self._checked = now
            # A database read: off the event loop.
            version = await asyncio.to_thread(self._version_of)
            if version != self._version:
                self._version, self._since = version, int(time.time())
                self._modified = formatdate(self._since, usegmt=True).encode()
        return self._version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not keeps(scope["path"]):
            await self.app(scope, receive, send)
            return
        session = scope.get("session", {})
        key = scope["path"] + "?" + scope.get("query_string", b"").decode("latin-1")
        if not _anyones(session) and not same_for_all(scope["path"]):
            await self._member(scope, receive, send, session, key)
            return
        version = await self.version()
        kept = self._kept.current(key, version)
        etag = kept.etag if kept is not None else _etag(key, version)
        validators = [
            (b"etag", etag),
            (b"last-modified", self._modified),
            (b"cache-control", self._public),
        ]
        if _still_fresh(scope, etag, self._since):
            headers = [*validators, (b"vary", VARY)]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        if kept is not None:
            self.hits += 1
            await send({"type": "http.response.start", "status": 200, "headers": kept.headers})
            await send({"type": "http.response.body", "body": kept.body})
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # The validators go with a success that is everyone's (it sets no cookie), and
                # are kept with it.
                everyones = message.get("status") == 200 and not _sets_cookie(message)
                message = start = _with(message, validators if everyones else [])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._keep(key, version, start, b"".join(chunks), etag)
            await send(message)

        await self.app(scope, receive, capture)

    async def _member(
        self, scope: Scope, receive: Receive, send: Send, session: dict[str, Any], key: str
    ) -> None:
        """A member's page: their copy of the page every member shares while it is current,
        else the app's answer (which renders the shared page once for the others)."""
        private = _marked(send, [(b"cache-control", PRIVATE)])
        token, csrf = session.get(SESSION_TOKEN), session.get(SESSION_CSRF)
        if (
            self.members is None
            or SESSION_FLASH in session
            or not isinstance(token, str)
            or not isinstance(csrf, str)
            or not shareable(key)
        ):
            await self.app(scope, receive, private)
            return
        version = await self.version()
        page = self.members.current(key, version)
        if page is not None:
            body = await asyncio.to_thread(self.members.copy, page, version, token, csrf)
            if body is None:  # no live session, or a store that moved on: ask again
                self._checked = float("-inf")
                version = await self.version()
            else:
                headers = [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ]
                start = {"type": "http.response.start", "status": 200, "headers": headers}
                await private(start)
                await send({"type": "http.response.body", "body": body})
                return
        state = scope.setdefault("state", {})
        state[SHARE] = True
        await self.app(scope, receive, private)
        made = state.pop(SHARED, None)
        if made is not None:
            self.members.keep(key, version, made, made.size)

    def _keep(self, key: str, version: Hashable, start: Message, body: bytes, etag: bytes) -> None:
        headers = list(start.get("headers", []))
        # Only a plain 200 that sets no cookie is everyone's.
        if start.get("status") != 200 or _sets_cookie(start):
            return
        self._kept.keep(key, version, _Response(body, headers, etag), len(body))


def _etag(key: str, version: Hashable) -> bytes:
    # Weak: the page is assembled, and the same version may render it byte for byte otherwise.
    digest = hashlib.sha256(f"{version!r} {key}".encode()).hexdigest()[:20]
    return f'W/"{digest}"'.encode()


def _still_fresh(scope: Scope, etag: bytes, since: float) -> bool:
    """Whether a conditional GET's ``If-None-Match`` (or, without one, ``If-Modified-Since``)
    says the client's copy is the current one."""
    match = modified = None
    for name, value in scope.get("headers", ()):
        if name == b"if-none-match":
            match = value
        elif name == b"if-modified-since":
            modified = value
    if match is None and modified is None:
        return False
    if match is not None:
        tags = {tag.strip().removeprefix(b"W/") for tag in match.split(b",")}
        return etag.removeprefix(b"W/") in tags
    if modified is None or since <= 0:
        return False
    try:
        return parsedate_to_datetime(modified.decode("latin-1")).timestamp() >= int(since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # a date nobody can read asks for the page


def _sets_cookie(start: Message) -> bool:
    return any(name.lower() == b"set-cookie" for name, _ in start.get("headers", []))


def _with(start: Message, extra: list[tuple[bytes, bytes]]) -> Message:
    """The response's start with ``extra`` headers and ``Vary``, unless the app set a
    ``Cache-Control`` (or a ``Vary``) of its own."""
    headers = list(start.get("headers", []))
    names = {name.lower() for name, _ in headers}
    if b"cache-control" not in names:
        headers += [(name, value) for name, value in extra if name not in names]
    if b"vary" not in names:
        headers.append((b"vary", VARY))
    return {**start, "headers": headers}


def _marked(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """``send`` with ``extra`` headers on the response's start (``_with``)."""

    async def marking(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = _with(message, extra)
        await send(message)

    return marking
