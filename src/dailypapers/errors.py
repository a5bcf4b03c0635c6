"""The one exception tree: every error the hub raises is a DailyPapersError with a clear message.

Adapters map it: the CLI to an exit code and one line, the API to problem+json with ``status``.
"""

from __future__ import annotations


class DailyPapersError(Exception):
    """Base of every error the project raises on purpose."""

    status = 500
    exit_code = 1


class ConfigError(DailyPapersError):
    """A setting is missing, malformed, or unsafe (a placeholder secret)."""

    status = 500
    exit_code = 2


class InvalidInput(DailyPapersError):
    """Input from a user or a file is malformed; the message says what and where."""

    status = 400
    exit_code = 2


class InvalidValue(InvalidInput):
    """A field is present and of the right type, but its value is not one the site takes (an
    address that is not an email address): HTTP's 422."""

    status = 422


class NotFound(DailyPapersError):
    """The paper, user or item asked for does not exist."""

    status = 404
    exit_code = 4


class Conflict(DailyPapersError):
    """The request conflicts with what is stored (a duplicate submission, a taken name)."""

    status = 409
    exit_code = 5


class FetchError(DailyPapersError):
    """A remote service could not be reached or answered with an error after retries."""

    status = 502
    exit_code = 6


class StoreError(DailyPapersError):
    """The database is unreachable or not in the expected state."""

    status = 503
    exit_code = 7


class Unauthorized(DailyPapersError):
    """The request needs a signed-in member or a valid API token, and has neither."""

    status = 401
    exit_code = 8


class Forbidden(DailyPapersError):
    """The member is known but may not do this."""

    status = 403
    exit_code = 8


class RateLimited(DailyPapersError):
    """Too many requests of one kind; ``retry_after`` says in how many seconds to try again."""

    status = 429
    exit_code = 9

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DailyPapersError):
    """The installation is not set up to do this (no SMTP server for email, for one)."""

    status = 503
    exit_code = 10
