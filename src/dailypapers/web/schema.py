"""What the API's operations declare in ``/openapi.json``: the problems they answer with, the
bearer token the writes take, the feeds' media types, and the shapes of dates and paper ids.

Every status an operation can answer is documented here once, with what it means, so that a
client (or Schemathesis) reading the schema knows every answer it can get.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator
from starlette.convertors import Convertor, register_url_convertor

from dailypapers.ids import PAPER_ID

PROBLEM_JSON = "application/problem+json"
_MEANINGS = {
    400: "A parameter or the body is not valid; the detail names it",
    401: "No valid API token: send 'Authorization: Bearer TOKEN'",
    403: "The member may not do this yet: their address is not confirmed",
    404: "No such paper, comment, follow, collection or member",
    409: "A conflict with what is stored (a paper already submitted, a name taken)",
    413: "The request body is larger than the site takes",
    422: "A field is missing, of the wrong type, or its value is not one the site takes",
    429: "Too many requests; the Retry-After header says when to try again",
    502: "arXiv could not be reached to fetch the paper",
    503: "The site is not set up for this (it sends no email)",
}
Responses = dict[int | str, dict[str, Any]]


def problems(*statuses: int) -> Responses:
    """The ``responses`` of an operation that answers ``statuses`` as problem+json."""
    return {
        status: {"description": _MEANINGS[status], "content": {PROBLEM_JSON: {}}}
        for status in statuses
    }


READ = problems(400, 404, 422)
# A list or a search: no name in its path, so nothing to be not found (an empty list instead).
LISTING = problems(400, 422)
WRITE = problems(400, 401, 404, 413, 422, 429)
# The scheme the writes take, named in the schema so clients can send it without reading prose
# (``deps.ApiMember`` declares it).
BEARER = "bearerToken"
BEARER_HELP = "A personal API token, from the profile page or `dailypapers token create`"
NEEDS_TOKEN: dict[str, Any] = {"security": [{BEARER: []}]}
FEED_MEDIA = {"application/atom+xml": {"schema": {"type": "string"}}}
FEED_MEDIA["application/rss+xml"] = {"schema": {"type": "string"}}


def link(operation_id: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: what to call next with a value from this answer (stateful clients and
    testers follow them), e.g. ``link("unfollow", follow_id="$response.body#/id")``."""
    return {"operationId": operation_id, "parameters": parameters}


def answer(status: int, description: str, model: Any = None, **links: dict[str, Any]) -> Responses:
    """A success ``status`` of an operation: its shape (a ``shapes`` model), and the links from
    it."""
    entry: dict[str, Any] = {"description": description, "links": links}
    if model is not None:
        entry["model"] = model
    return {status: entry}


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    # Pydantic alone also reads "0" or "1700000000" as a date (seconds since 1970); a day in a
    # URL is written YYYY-MM-DD, and anything else is refused.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


class PaperIdConvertor(Convertor[str]):
    """``{paper_id:paper}`` in a path: an arXiv id or a local id, and nothing longer, so that
    ``/api/papers/ID/upvote`` is never read as the paper ``ID/upvote``."""

    regex = PAPER_ID

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def register_paper_ids() -> None:
    """Make ``{name:paper}`` available in route paths (before the routes are declared)."""
    register_url_convertor("paper", PaperIdConvertor())


PAPER_ID_PATTERN = re.compile(f"^(?:{PAPER_ID})$")
