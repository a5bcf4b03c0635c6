"""GitHub's REST API: how many stars a paper's repository has, asked politely.

Each answer says how many requests are left in the hour (``X-RateLimit-Remaining``, 60 without a
token, 5,000 with one) and when the count starts again (``X-RateLimit-Reset``); a run stops when
none are left rather than spending requests GitHub refuses. A repository asked for before is
asked for with its ``ETag``: GitHub answers 304 when nothing changed, and a 304 costs nothing
against the limit. A renamed repository answers 301 to where it went, which the client follows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from dailypapers.errors import FetchError, InvalidInput, NotFound
from dailypapers.sources.http import HttpClient, expect_status, shown

API_VERSION = "2022-11-28"
# A repository's JSON is a few kB; one much larger is not an answer to this question.
MAX_BYTES = 1 << 20
# github.com/OWNER/NAME, then anything (a branch, a file, ".git"): GitHub's own rules for the
# two names (an owner up to 39 letters, digits and inner hyphens; a name of letters, digits,
# ".", "-" and "_").
_LINK = re.compile(
    r"https?://(?:www\.)?github\.com/"
    r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<name>[A-Za-z0-9._-]{1,100})"
    r"(?:[/?#].*)?",
    re.IGNORECASE,
)


def repository(link: str | None) -> str | None:
    """``owner/name`` of a link to a GitHub repository or a page in it; None for any other."""
    match = _LINK.fullmatch((link or "").strip())
    if match is None:
        return None
    name = match["name"].removesuffix(".git")
    if name in {"", ".", ".."}:
        return None
    return f"{match['owner']}/{name}"


class Spent(FetchError):
    """GitHub allows no more requests this hour."""


def spent(reset: datetime | None) -> str:
    """What a run says when the hour's requests are spent: until when, if GitHub said."""
    when = f" until {reset:%H:%M} UTC" if reset else ""
    return f"GitHub allows no more requests{when}"


@dataclass(frozen=True, slots=True)
class Stars:
    """GitHub's answer about one repository: its stars (None when unchanged since ``etag``),
    the answer's ETag, and the requests left in the hour and when they start again."""

    count: int | None
    etag: str | None
    remaining: int | None
    reset: datetime | None


class GitHub:
    """``GET {base_url}/repos/{owner}/{name}``, with a token when one is set."""

    def __init__(
        self, client: HttpClient, base_url: str = "https://api.github.com", token: str = ""
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        if token.strip():
            self.headers["Authorization"] = f"Bearer {token.strip()}"

    def stars(self, repo: str, etag: str | None = None) -> Stars:
        """The stars of ``repo`` (``owner/name``). What is the repository's: NotFound when
        GitHub has no public repository of that name (404, 410, 451), InvalidInput when the
        answer carries no count. What is GitHub's: Spent when the hour's requests are spent,
        FetchError when it cannot be reached or answers otherwise."""
        headers = dict(self.headers)
        if etag:
            headers["If-None-Match"] = etag
        url = f"{self.base_url}/repos/{repo}"
        response = self.client.get(url, max_bytes=MAX_BYTES, headers=headers)
        remaining, reset = _limit(response)
        if response.status_code in (403, 429) and remaining == 0:
            raise Spent(spent(reset))
        if response.status_code in (404, 410, 451):
            raise NotFound(f"{shown(response.url)} answered HTTP {response.status_code}")
        if response.status_code == 304:
            return Stars(None, etag, remaining, reset)
        expect_status(response)
        return Stars(_count(response), response.headers.get("ETag"), remaining, reset)


def _count(response: httpx.Response) -> int:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise InvalidInput(f"{shown(response.url)} answered something not JSON") from exc
    count = data.get("stargazers_count") if isinstance(data, dict) else None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput(f"{shown(response.url)} gave no star count: {count!r}")
    return count


def _limit(response: httpx.Response) -> tuple[int | None, datetime | None]:
    """The requests left in the hour and when the count starts again, where the answer says."""
    left = response.headers.get("X-RateLimit-Remaining", "").strip()
    reset = response.headers.get("X-RateLimit-Reset", "").strip()
    # Seconds since 1970; a number past the year 5000 is no time GitHub means.
    when = datetime.fromtimestamp(int(reset), UTC) if reset.isdigit() and len(reset) < 12 else None
    return (int(left) if left.isdigit() else None), when
