"""The settings admins change on the site's admin page, laid over the settings file's.

Only what a community tunes while it runs is here: the limits on members and new accounts and
the blocklist. The rest (addresses, the database, schedules) belongs to whoever runs the
machines. Each process reads what admins set at most every ``REREAD_S`` seconds, so a change
made through one node reaches every other within that.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import fields, replace

from dailypapers.config import Settings
from dailypapers.errors import InvalidInput, StoreError

REREAD_S = 10.0
MAX_NUMBER = 1_000_000
MAX_BLOCKLIST = 20_000

# What admins may set, in the order the admin page shows it.
EDITABLE = (
    "blocklist",
    "new_member_hours",
    "limit_comments",
    "limit_comments_new",
    "limit_votes",
    "limit_votes_new",
    "submissions_per_day",
    "submissions_per_day_new",
    "limit_submits",
    "limit_signup",
    "limit_signin",
)
_KINDS = {f.name: f.type for f in fields(Settings) if f.name in EDITABLE}
HELP = {f.name: f.metadata["help"] for f in fields(Settings) if f.name in EDITABLE}


def is_number(name: str) -> bool:
    return _KINDS[name] in (int, "int")


def check_value(name: str, raw: str) -> str:
    """The value of setting ``name`` as it is kept; InvalidInput naming the setting when it is
    not one admins set or ``raw`` is no value for it."""
    if name not in _KINDS:
        raise InvalidInput(f"{name!r} is not a setting admins change here")
    if not is_number(name):
        text = "\n".join(line.strip() for line in raw.strip().splitlines())
        if len(text) > MAX_BLOCKLIST:
            raise InvalidInput(f"{name} has at most {MAX_BLOCKLIST:,} characters")
        return text
    try:
        number = int(raw.strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, got {raw.strip()!r}") from None
    if not 0 <= number <= MAX_NUMBER:
        raise InvalidInput(f"{name} must be 0 to {MAX_NUMBER:,}, got {number}")
    return str(number)


def laid_over(base: Settings, stored: Mapping[str, str]) -> Settings:
    """``base`` with what admins set in its place (anything no longer valid is passed over)."""
    changes: dict[str, object] = {}
    for name, raw in stored.items():
        if name not in _KINDS:
            continue
        try:
            value = check_value(name, raw)
        except InvalidInput:
            continue
        changes[name] = int(value) if is_number(name) else value
    return replace(base, **changes) if changes else base  # type: ignore[arg-type]


class SiteSettings:
    """The settings a process works with: the file's, with what admins set laid over them,
    read again at most every ``REREAD_S`` seconds."""

    def __init__(self, base: Settings, read: Callable[[], Mapping[str, str]]) -> None:
        self.base = base
        self._read = read
        self._current = base
        self._read_at = -REREAD_S
        self._lock = threading.Lock()

    def current(self) -> Settings:
        if clock.monotonic() - self._read_at < REREAD_S:
            return self._current
        with self._lock:
            if clock.monotonic() - self._read_at >= REREAD_S:
                # The database away: what was read last, for now.
                with suppress(StoreError):
                    self._current = laid_over(self.base, self._read())
                self._read_at = clock.monotonic()
        return self._current

    def forget(self) -> None:
        """Read again on next use (this process just changed them)."""
        self._read_at = -REREAD_S
