"""The polite HTTP client every fetcher uses: one connection, a pace, retries, clear failures."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from dailypapers import __version__
from dailypapers.closing import Closing
from dailypapers.errors import FetchError, InvalidInput

PROJECT_URL = "https://github.com/dailypapers"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Errors worth another try: the network or the server may be fine a moment later. Anything else
# (a malformed URL, an unsupported scheme) fails the same way every time.
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
# Characters of a URL an error message shows: a look-up of 100 ids is a URL of 1,500.
SHOWN_URL = 200

Params = Mapping[str, str | int]


def default_user_agent(base_url: str | None = None) -> str:
    """A User-Agent naming the project and, when known, the hub's own address, so an operator of a
    service we call can see who is calling and reach them."""
    contact = base_url or PROJECT_URL
    return f"dailypapers/{__version__} (+{contact}; self-hosted)"


class HttpClient(Closing):
    """GET with one reused connection, at least ``min_interval`` seconds between request starts
    (arXiv asks for one request every 3 s), and retries with exponential backoff on transient
    failures, honouring ``Retry-After`` up to ``max_retry_after`` seconds.

    A non-transient 4xx is returned to the caller: arXiv's 400 carries an error body worth parsing.
    When the service stays unreachable or failing, :class:`FetchError` says which URL, what failed
    and after how many attempts. With ``budget`` (seconds), a ``get`` gives up once that long has
    passed, attempts and waits included: someone waits for the answer (a submission). ``sleep``
    and ``clock`` are injectable so tests need not wait.
    """

    def __init__(
        self,
        user_agent: str | None = None,
        min_interval: float = 0.0,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        *,
        max_retry_after: float = 300.0,
        budget: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if retries < 0 or min_interval < 0 or backoff < 0 or max_retry_after < 0:
            raise ValueError("retries, min_interval, backoff and max_retry_after must be >= 0")
        self.user_agent = user_agent or default_user_agent(None)
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.budget = budget
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._last_start: float | None = None
        self._client = httpx.Client(
            headers={"User-Agent": self.user_agent},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def get(
        self,
        url: str,
        params: Params | None = None,
        max_bytes: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET ``url`` (with ``headers`` besides the client's); returns any response that is not
        a transient failure, else FetchError.

        With ``max_bytes``, a body longer than that is InvalidInput as soon as it is seen to be
        (by its Content-Length, else while reading), so a huge file is never held whole."""
        started = self._clock()
        attempts = self.retries + 1
        failure = ""
        for attempt in range(1, attempts + 1):
            self._pace()
            timeout = self.timeout
            if self.budget is not None:
                timeout = min(timeout, max(0.1, self.budget - (self._clock() - started)))
            request = self._client.build_request(
                "GET", url, params=params, headers=headers, timeout=timeout
            )
            delay = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._client.send(request, stream=True)
                try:
                    _read(response, max_bytes)
                finally:
                    response.close()
            except _TRANSIENT_ERRORS as exc:
                failure = f"could not reach {shown(request.url)} ({_describe(exc)})"
            except httpx.HTTPError as exc:
                failure = f"could not fetch {shown(request.url)} ({_describe(exc)})"
                raise FetchError(failure) from exc
            else:
                if response.status_code not in TRANSIENT_STATUSES:
                    return response
                failure = f"{shown(request.url)} answered {_status_text(response)}"
                wait = self.retry_after(response)
                if wait is not None:
                    delay = wait
            if attempt < attempts:
                if self.budget is not None and self._clock() - started + delay >= self.budget:
                    attempts = attempt  # no time for another: say how many were made
                    break
                self._sleep(delay)
        plural = "s" if attempts > 1 else ""
        raise FetchError(f"{failure} after {attempts} attempt{plural}")

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the server asked to wait (a number or an HTTP date), capped; None if unsaid."""
        value = response.headers.get("Retry-After", "").strip()
        if not value:
            return None
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
        return min(max(seconds, 0.0), self.max_retry_after)

    def _pace(self) -> None:
        now = self._clock()
        if self._last_start is not None:
            wait = self._last_start + self.min_interval - now
            if wait > 0:
                self._sleep(wait)
                now = self._clock()
        self._last_start = now

    def close(self) -> None:
        self._client.close()


def _read(response: httpx.Response, max_bytes: int | None) -> None:
    """Read the body of a streamed ``response``, at most ``max_bytes`` of it."""
    if max_bytes is None:
        response.read()
        return
    told = response.headers.get("Content-Length", "")
    if told.isdigit() and int(told) > max_bytes:
        raise InvalidInput(f"{response.request.url} is {int(told):,} bytes, over {max_bytes:,}")
    body = bytearray()
    for piece in response.iter_bytes():
        body += piece
        if len(body) > max_bytes:
            raise InvalidInput(f"{response.request.url} is over {max_bytes:,} bytes")
    # What httpx's own read() does once the body is in: the response is then as if read whole.
    response._content = bytes(body)


def expect_status(response: httpx.Response, allowed: Collection[int] = (200,)) -> httpx.Response:
    """Return ``response`` if its status is one the caller can read, else FetchError naming it."""
    if response.status_code not in allowed:
        raise FetchError(f"{shown(response.request.url)} answered {_status_text(response)}")
    return response


def shown(url: httpx.URL | str) -> str:
    """A URL as a message shows it: whole, but a query of a hundred ids cut short."""
    text = str(url)
    return text if len(text) <= SHOWN_URL else text[: SHOWN_URL - 3] + "..."


def _status_text(response: httpx.Response) -> str:
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    return f"HTTP {response.status_code}{reason}"


def _describe(exc: httpx.HTTPError) -> str:
    """'[Errno 111] Connection refused' -> 'connection refused'; a bare timeout names its kind."""
    text = _ERRNO.sub("", str(exc)).strip()
    if not text:
        text = re.sub(r"(?<!^)(?=[A-Z])", " ", type(exc).__name__)
    return text[0].lower() + text[1:]
