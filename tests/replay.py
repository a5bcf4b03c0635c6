"""A real HTTP server on loopback that replays recorded responses, for testing the fetchers."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

Query = list[tuple[str, str]]
Matcher = str | Callable[[str, Query], bool]
Headers = Mapping[str, str] | Sequence[tuple[str, str]]

# Framing headers of the recording describe the recorded connection, not ours; the server sets its
# own Date, Server and Content-Length.
_DROPPED_HEADERS = {"connection", "content-length", "transfer-encoding", "date", "server"}


@dataclass(frozen=True)
class Reply:
    """One recorded answer: status, headers and body."""

    status: int
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""


@dataclass
class Route:
    """Requests this route answers, and its replies served in turn (the last one repeats).

    ``matcher`` is either ``"/path?query"`` (the query compared as a multiset of decoded pairs, so
    parameter order and percent-encoding do not matter) or a function of (path, query pairs).
    """

    method: str
    matcher: Matcher
    replies: list[Reply]
    served: int = 0

    def matches(self, method: str, path: str, query: Query) -> bool:
        if method != self.method:
            return False
        if callable(self.matcher):
            return self.matcher(path, query)
        want = urlsplit(self.matcher)
        return want.path == path and sorted(_pairs(want.query)) == sorted(query)

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


@dataclass(frozen=True)
class LoggedRequest:
    """What the server received: when (``time.monotonic``), from which client port, and what."""

    time: float
    client_port: int
    method: str
    path: str
    query: Query
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)


@dataclass
class ReplayServer:
    """A ThreadingHTTPServer on 127.0.0.1 with an ephemeral port; use as a context manager."""

    routes: list[Route] = field(default_factory=list)
    log: list[LoggedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(
        self,
        method: str,
        matcher: Matcher,
        replies: Sequence[Reply | tuple[int, Headers, bytes]],
    ) -> Route:
        """Answer ``method`` requests that ``matcher`` accepts with ``replies`` in turn; a reply
        is a Reply or a ``(status, headers, body)`` tuple."""
        route = Route(method, matcher, [_reply(item) for item in replies])
        with self._lock:
            self.routes.append(route)
        return route

    def extend(self, routes: Sequence[Route]) -> None:
        with self._lock:
            self.routes.extend(routes)

    def load(self, *paths: Path) -> None:
        """Serve the recordings of ``paths`` (see :func:`load_recordings`)."""
        self.extend(load_recordings(*paths))

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def answer(self, request: LoggedRequest) -> Reply:
        with self._lock:
            self.log.append(request)
            for route in self.routes:
                if route.matches(request.method, request.path, request.query):
                    return route.next_reply()
        query = "&".join(f"{key}={value}" for key, value in request.query)
        message = (
            f"replay: no recording for {request.method} {request.path}?{query} "
            f"({len(self.routes)} routes known)\n"
        )
        return Reply(404, [("Content-Type", "text/plain; charset=utf-8")], message.encode())


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stops reading (a download refused part way) is no error of the server's.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _reply(item: Reply | tuple[int, Headers, bytes]) -> Reply:
    if isinstance(item, Reply):
        return item
    status, headers, body = item
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    return Reply(status, pairs, body)


def _pairs(query: str) -> Query:
    return parse_qsl(query, keep_blank_values=True)


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps the connection open, so tests can see that the client reuses one.
        protocol_version = "HTTP/1.1"
        timeout = 10
        # Headers and body go out as separate writes; Nagle would hold the body for an ACK.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            request = LoggedRequest(
                time=time.monotonic(),
                client_port=self.client_address[1],
                method=self.command,
                path=parts.path,
                query=_pairs(parts.query),
                headers={key.lower(): value for key, value in self.headers.items()},
            )
            reply = server.answer(request)
            self.send_response(reply.status)
            for key, value in reply.headers:
                if key.lower() not in _DROPPED_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request log above is what tests read; stderr noise helps nobody

    return Handler


def load_recordings(*paths: Path) -> list[Route]:
    """Routes for recorded ``*.json`` files (or folders of them), keyed by their URL's path+query.

    Two recording shapes exist: arXiv API ``{"url", "status_code", "body"}`` and nock-style lists of
    ``{"method", "path", "status", "response", "rawHeaders"}``; several recordings of one request
    (503 then 200) become one route answering them in turn.
    """
    routes: dict[tuple[str, str], Route] = {}
    for path in paths:
        for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
            data = json.loads(file.read_text(encoding="utf-8"))
            for method, target, reply in _recorded_replies(data):
                key = (method, target)
                if key not in routes:
                    routes[key] = Route(method, target, [])
                routes[key].replies.append(reply)
    return list(routes.values())


def _recorded_replies(data: object) -> Iterator[tuple[str, str, Reply]]:
    if isinstance(data, dict):
        parts = urlsplit(data["url"])
        headers = [("Content-Type", "application/atom+xml; charset=utf-8")]
        body = data["body"].encode("utf-8")
        yield "GET", f"{parts.path}?{parts.query}", Reply(data["status_code"], headers, body)
        return
    assert isinstance(data, list), "unknown recording shape"
    for item in data:
        raw = item.get("rawHeaders", [])
        headers = list(zip(raw[::2], raw[1::2], strict=True))
        # A recorded JSON answer is kept parsed (nock's fixtures); its bytes are that JSON.
        response = item["response"]
        body = (response if isinstance(response, str) else json.dumps(response)).encode("utf-8")
        yield item["method"].upper(), item["path"], Reply(item["status"], headers, body)


def make_refused_url() -> str:
    """A loopback URL where nothing listens: bind a port, then free it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    """A started replay server with no routes; it stops when the test ends."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def refused_url() -> str:
    """A loopback URL that refuses connections."""
    return make_refused_url()
