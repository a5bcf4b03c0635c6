"""What wraps every request: security headers on each response, and a cap on request bodies."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No form or API call needs more; anything larger is refused (413) before it is read whole.
MAX_BODY_BYTES = 1 << 20

# Pages load nothing from another site, and nothing inline: a strict policy costs nothing.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (plain ASGI: cheaper than an HTTP middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(HTTPException):
    """Raised where the app reads a body past the limit; its handlers answer it as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is over {limit:,} bytes, more than any form or call"
        )


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with a 413 problem: at once when its
    Content-Length says so (before anything reads it), else as soon as the bytes read pass it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        read = 0
        started = False

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.limit:
                raise _TooLarge(self.limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = _TooLarge(self.limit).detail
        body = {"type": "about:blank", "title": "Content Too Large", "status": 413}
        body |= {"detail": detail, "instance": scope["path"]}
        response = JSONResponse(body, 413, media_type="application/problem+json")
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)
