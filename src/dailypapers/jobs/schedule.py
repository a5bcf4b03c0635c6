"""Cron expressions: when a scheduled job is due, in any time zone.

Five fields (minute hour day-of-month month day-of-week) with Vixie cron's syntax and rules,
plus the ``@daily``-style shortcuts. Fire times are wall-clock times of a zone: a time that a
spring-forward gap skips never fires, and a time that a fall-back repeats fires once, the first
time round (``fold=0``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from dailypapers.errors import ConfigError

__all__ = ["Cron"]

# A year and a day: any satisfiable expression except 29 February fires within it.
_HORIZON_DAYS = 366

_SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_WEEKDAYS = {d: n for n, d in enumerate("sun mon tue wed thu fri sat".split())}
_NO_NAMES: Mapping[str, int] = {}
# Day of week runs to 7 so that both cron spellings of Sunday are accepted.
_FIELDS = (
    ("minute", 0, 59, _NO_NAMES),
    ("hour", 0, 23, _NO_NAMES),
    ("day of month", 1, 31, _NO_NAMES),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _WEEKDAYS),
)
_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class Cron:
    """A parsed cron expression. ``weekdays`` uses Python's numbering: 0 is Monday, 6 Sunday."""

    text: str
    minutes: frozenset[int] = field(repr=False)
    hours: frozenset[int] = field(repr=False)
    days: frozenset[int] = field(repr=False)
    months: frozenset[int] = field(repr=False)
    weekdays: frozenset[int] = field(repr=False)
    # Vixie's rule: with both day fields restricted, a day that satisfies either one fires.
    either_day: bool = field(default=False, repr=False)

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Parse ``text``; raises ConfigError naming the expression and the field at fault."""
        expanded = text.strip()
        if expanded.startswith("@"):
            if expanded.lower() not in _SHORTCUTS:
                known = ", ".join(_SHORTCUTS)
                raise ConfigError(f"cron expression {text!r}: unknown shortcut (known: {known})")
            expanded = _SHORTCUTS[expanded.lower()]
        parts = expanded.split()
        if len(parts) != len(_FIELDS):
            raise ConfigError(
                f"cron expression {text!r}: expected 5 fields (minute hour day-of-month month "
                f"day-of-week), got {len(parts)}"
            )
        minutes, hours, days, months, cron_weekdays = (
            _parse_field(text, part, *spec) for part, spec in zip(parts, _FIELDS, strict=True)
        )
        return cls(
            text=text,
            minutes=minutes,
            hours=hours,
            days=days,
            months=months,
            weekdays=frozenset((n - 1) % 7 for n in cron_weekdays),
            # Vixie decides by the leading '*', so '*/2' still counts as unrestricted.
            either_day=not parts[2].startswith("*") and not parts[4].startswith("*"),
        )

    def matches(self, moment: datetime) -> bool:
        """Whether the expression fires in the minute of ``moment``, read as its wall-clock time."""
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and self._day_matches(moment.date())
        )

    def previous(self, now: datetime, zone: ZoneInfo | None = None) -> datetime | None:
        """The latest fire time at or before ``now``, in ``zone`` (default: now's own zone)."""
        return self._find(now, zone, -1)

    def next(self, after: datetime, zone: ZoneInfo | None = None) -> datetime | None:
        """The earliest fire time strictly after ``after``, in ``zone`` (default: after's zone)."""
        return self._find(after, zone, 1)

    def _day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        in_month, in_week = day.day in self.days, day.weekday() in self.weekdays
        return (in_month or in_week) if self.either_day else (in_month and in_week)

    def _find(self, moment: datetime, zone: tzinfo | None, step: int) -> datetime | None:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"cron {self.text!r}: {moment.isoformat()} has no time zone")
        zone = zone or moment.tzinfo
        local = moment.astimezone(zone)
        start = local.replace(tzinfo=None, second=0, microsecond=0)
        if step < 0:
            # In the second pass of a repeated hour, first-pass times later on the clock are
            # still in the past, so the backward walk starts that much further on.
            start += max(_offset(local.replace(fold=0)) - _offset(local), timedelta(0))
        target = moment.astimezone(UTC)
        for wall in self._walls(start, step):
            fire = wall.replace(tzinfo=zone)
            instant = fire.astimezone(UTC)
            if instant.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # in a spring-forward gap: this wall-clock time never happens
            # Compared in UTC: Python compares datetimes of one zone by wall clock, ignoring fold.
            if (instant <= target) if step < 0 else (instant > target):
                return fire
        return None

    def _walls(self, start: datetime, step: int) -> Iterator[datetime]:
        """Matching wall-clock minutes from ``start`` on, forwards (step 1) or backwards (-1)."""
        hours = sorted(self.hours, reverse=step < 0)
        minutes = sorted(self.minutes, reverse=step < 0)
        day = start.date()
        for offset in range(_HORIZON_DAYS + 1):
            first = offset == 0
            if self._day_matches(day):
                # Multiplying by step turns "before start" into one comparison for both ways.
                for hour in hours:
                    if first and hour * step < start.hour * step:
                        continue
                    for minute in minutes:
                        if first and hour == start.hour and minute * step < start.minute * step:
                            continue
                        yield datetime.combine(day, time(hour, minute))
            try:
                day += timedelta(days=step)
            except OverflowError:
                return


def _offset(moment: datetime) -> timedelta:
    return moment.utcoffset() or timedelta(0)


def _parse_field(
    text: str, part: str, name: str, low: int, high: int, names: Mapping[str, int]
) -> frozenset[int]:
    def fail(detail: str) -> ConfigError:
        return ConfigError(f"cron expression {text!r}: {name} {detail}")

    def value(token: str) -> int:
        if token.lower() in names:
            return names[token.lower()]
        if not _NUMBER.fullmatch(token):
            kind = "a number or a name" if names else "a number"
            raise fail(f"{token!r} is not {kind}")
        number = int(token)
        if not low <= number <= high:
            raise fail(f"{number} is out of range {low}-{high}")
        return number

    values: set[int] = set()
    for item in part.split(","):
        base, slash, step_text = item.partition("/")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first, last = value(first_text), value(last_text)
            if first > last:
                raise fail(f"range {base} runs backwards")
        else:
            first = value(base)
            # 'a/n' means from a to the end of the field, every n.
            last = high if slash else first
        step = 1
        if slash:
            if not _NUMBER.fullmatch(step_text) or int(step_text) == 0:
                raise fail(f"step {step_text!r} is not a positive number")
            step = int(step_text)
        values.update(range(first, last + 1, step))
    return frozenset(values)
