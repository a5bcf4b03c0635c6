"""Cron expressions: when a scheduled job is due, in any time zone, as cron itself decides.

Five fields (minute hour day-of-month month day-of-week) and the ``@daily``-style shortcuts, read
by ``cronsim``, which follows Debian's cron, daylight saving time included. Fire times are
wall-clock times of a zone: a job set for a time that a spring-forward gap skips runs at the
first minute after the gap (a 02:30 digest in Berlin runs at 03:00 on the last Sunday of March);
a wall-clock time that falling back repeats fires once, the first time round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

from dailypapers.errors import ConfigError

__all__ = ["Cron"]

_SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIELDS = "minute hour day-of-month month day-of-week"


@dataclass(frozen=True, slots=True)
class Cron:
    """A cron expression as written, and the five fields it stands for."""

    text: str
    fields: str

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Parse ``text``; raises ConfigError naming the expression and what is wrong."""
        fields = text.strip()
        if fields.startswith("@"):
            if fields.lower() not in _SHORTCUTS:
                known = ", ".join(_SHORTCUTS)
                raise ConfigError(f"cron expression {text!r}: unknown shortcut (known: {known})")
            fields = _SHORTCUTS[fields.lower()]
        count = len(fields.split())
        if count != 5:
            raise ConfigError(
                f"cron expression {text!r}: expected 5 fields ({_FIELDS}), got {count}"
            )
        try:
            CronSim(fields, datetime(2000, 1, 1, tzinfo=UTC))
        except CronSimError as exc:
            raise ConfigError(f"cron expression {text!r}: {str(exc).lower()} field") from None
        return cls(text, fields)

    def previous(self, now: datetime, zone: ZoneInfo | None = None) -> datetime | None:
        """The latest fire time at or before ``now``, in ``zone`` (default: now's own zone)."""
        local = _in_zone(now, zone, self.text)
        # cronsim steps a second back before it looks: start a second on, so that a fire time
        # is its own previous.
        fire = self._first(local.replace(second=0, microsecond=0) + timedelta(seconds=1), True)
        # cronsim walks back by the wall clock: in the second pass of a repeated hour it lands
        # in the first pass, earlier than the latest fire. Walk on to that one.
        limit = now.astimezone(UTC)
        while fire is not None:
            later = self.next(fire)
            if later is None or later.astimezone(UTC) > limit:
                break
            fire = later
        return fire

    def next(self, after: datetime, zone: ZoneInfo | None = None) -> datetime | None:
        """The earliest fire time strictly after ``after``, in ``zone`` (default: its zone)."""
        local = _in_zone(after, zone, self.text)
        limit = after.astimezone(UTC)
        fire = self._first(local.replace(microsecond=0), False)
        # Past the instant already (a first-pass time seen from the second pass) or a wall-clock
        # time come round again: fired already, so the search goes on from it.
        while fire is not None and (fire.astimezone(UTC) <= limit or _repeated(fire)):
            fire = self._first(fire, False)
        return fire

    def _first(self, start: datetime, backwards: bool) -> datetime | None:
        try:
            return next(CronSim(self.fields, start, reverse=backwards))
        except (StopIteration, OverflowError, ValueError):
            return None  # past the ends of the calendar


def _repeated(moment: datetime) -> bool:
    """Whether ``moment`` is a wall-clock time's second coming, after the clocks went back."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def _in_zone(moment: datetime, zone: ZoneInfo | None, text: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"cron {text!r}: {moment.isoformat()} has no time zone")
    return moment.astimezone(zone or moment.tzinfo)
