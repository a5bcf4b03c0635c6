"""How each error is answered: ``application/problem+json`` with the right status on the API and
feeds, and a friendly page (or a redirect to sign in) on pages; nothing answers an error with
status 200. Errors come from the hub's one exception tree, from FastAPI's validation, and from
Starlette's routing (404, 405 with every method the path takes)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from dailypapers.errors import DailyPapersError, RateLimited, Unauthorized
from dailypapers.web.auth import safe_next
from dailypapers.web.templating import Templates

log = logging.getLogger("dailypapers.web")


def wants_json(request: Request) -> bool:
    """Whether an error here is answered as problem+json rather than as a page."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return (
        path.startswith(("/api/", "/feeds/", "/openapi.json"))
        or path.endswith((".md", ".json"))
        or ("application/json" in accept and "text/html" not in accept)
    )


def install(app: FastAPI, templates: Templates) -> None:
    """Answer every error ``app`` meets as its caller expects."""

    def problem(request: Request, status: int, detail: str, headers: dict[str, str]) -> Response:
        if wants_json(request):
            body = {
                "type": "about:blank",
                "title": HTTPStatus(status).phrase,
                "status": status,
                "detail": detail,
                "instance": request.url.path,
            }
            return JSONResponse(
                body, status, headers=headers, media_type="application/problem+json"
            )
        return templates.error(request, status, detail, headers)

    @app.exception_handler(DailyPapersError)
    async def hub_error(request: Request, exc: DailyPapersError) -> Response:
        headers = {}
        if isinstance(exc, RateLimited):
            headers["retry-after"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized) and not wants_json(request):
            # A page that needs a member sends the visitor to sign in, and back afterwards.
            back = request.url.path if request.method == "GET" else request.headers.get("referer")
            target = "/signin" + (f"?next={quote(safe_next(back), safe='/')}" if back else "")
            return RedirectResponse(target, status_code=303)
        if exc.status >= 500:
            log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return problem(request, exc.status, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        # As Hugging Face's API answers: a bad parameter of the URL is a bad request (400); a
        # body that does not validate is an unprocessable entity (422).
        in_body = any(error.get("loc", ("body",))[0] == "body" for error in exc.errors())
        return problem(request, 422 if in_body else 400, _validation_detail(exc), {})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = {name.lower(): value for name, value in (exc.headers or {}).items()}
        path = request.url.path
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing here at {path}"
            if path.startswith("/api/papers/"):
                detail += "; a paper is named by its arXiv id (2501.00001, math-ph/0509037)"
        if exc.status_code == 405:
            # Every method the path takes, across all the routes that share it.
            headers["allow"] = ", ".join(_methods_of(app, request))
            detail = f"{request.method} is not a method {path} takes ({headers['allow']})"
        return problem(request, exc.status_code, detail, headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(request, 500, "something went wrong on our side; it has been logged", {})


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _methods_of(app: FastAPI, request: Request) -> list[str]:
    """The methods some route takes at ``request``'s path, asked of the routes themselves."""
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in app.routes
        )
    ]


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is not valid"
