"""The one exception tree: every error the hub raises is a DailyPapersError with a clear message.

Adapters map it: the CLI to an exit code and one line, the API to problem+json with ``status``.
"""

from __future__ import annotations


class DailyPapersError(Exception):
    """Base of every error the project raises on purpose.

    A kind of error names its HTTP status and CLI exit code where it is declared:
    ``class NotFound(DailyPapersError, status=404, exit_code=4)``; a kind that names neither
    takes its parent's.
    """

    status = 500
    exit_code = 1

    def __init_subclass__(
        cls, status: int | None = None, exit_code: int | None = None, **rest: object
    ) -> None:
        super().__init_subclass__(**rest)
        if status is not None:
            cls.status = status
        if exit_code is not None:
            cls.exit_code = exit_code


class ConfigError(DailyPapersError, status=500, exit_code=2):
    """A setting is missing, malformed, or unsafe (a placeholder secret)."""


class InvalidInput(DailyPapersError, status=400, exit_code=2):
    """Input from a user or a file is malformed; the message says what and where."""


class InvalidValue(InvalidInput, status=422):
    """A field is present and of the right type, but its value is not one the site takes (an
    address that is not an email address): HTTP's 422."""


class NotFound(DailyPapersError, status=404, exit_code=4):
    """The paper, user or item asked for does not exist."""


class Conflict(DailyPapersError, status=409, exit_code=5):
    """The request conflicts with what is stored (a duplicate submission, a taken name)."""


class FetchError(DailyPapersError, status=502, exit_code=6):
    """A remote service could not be reached or answered with an error after retries."""


class StoreError(DailyPapersError, status=503, exit_code=7):
    """The database is unreachable or not in the expected state."""


class Unauthorized(DailyPapersError, status=401, exit_code=8):
    """The request needs a signed-in member or a valid API token, and has neither."""


class Forbidden(DailyPapersError, status=403, exit_code=8):
    """The member is known but may not do this."""


class RateLimited(DailyPapersError, status=429, exit_code=9):
    """Too many requests of one kind; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DailyPapersError, status=503, exit_code=10):
    """The installation is not set up to do this (no SMTP server for email, for one)."""
