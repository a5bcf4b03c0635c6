"""Cron expressions: parsing, and the previous and next fire times across zones and DST days."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dailypapers.errors import ConfigError
from dailypapers.jobs.schedule import Cron

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def fires(cron: Cron, start: datetime, end: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every fire time from ``start`` to ``end``, as a worker ticking each minute sees them (it
    runs a job when the latest fire time is later than the one it ran)."""
    seen: list[datetime] = []
    moment = start
    while moment <= end:
        fire = cron.previous(moment, zone)
        # Compared as instants: Python compares times of one zone by wall clock, fold ignored.
        newer = fire is not None and (not seen or fire.astimezone(UTC) > seen[-1].astimezone(UTC))
        if fire is not None and newer and fire.astimezone(UTC) >= start:
            seen.append(fire)
        moment += timedelta(minutes=1)
    return seen


# -- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortcut", "same_as"),
    [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@DAILY", "0 0 * * *"),
    ],
)
def test_shortcuts_stand_for_five_fields(shortcut: str, same_as: str) -> None:
    cron, plain = Cron.parse(shortcut), Cron.parse(same_as)
    assert cron.text == shortcut
    now = utc(2026, 5, 4, 10, 10)
    assert cron.previous(now) == plain.previous(now) and cron.next(now) == plain.next(now)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("61 * * * *", "minute"),
        ("* 24 * * *", "hour"),
        ("* * 0 * *", "day-of-month"),
        ("* * 32 * *", "day-of-month"),
        ("* * * 13 *", "month"),
        ("* * * * 8", "day-of-week"),
        ("1-70 * * * *", "minute"),
        ("*/0 * * * *", "minute"),
        ("*/x * * * *", "minute"),
        ("x * * * *", "minute"),
        ("* * * foo *", "month"),
        ("0 0 30 2 *", "day-of-month"),  # no such date: it would never fire
    ],
)
def test_bad_expressions_name_the_expression_and_the_field(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Cron.parse(text)
    assert str(caught.value) == f"cron expression {text!r}: bad {field} field"


@pytest.mark.parametrize("text", ["* * * *", "* * * * * *", "", "0 6 *"])
def test_wrong_field_count_says_how_many(text: str) -> None:
    with pytest.raises(ConfigError, match=rf"expected 5 fields .*got {len(text.split())}$"):
        Cron.parse(text)


def test_an_unknown_shortcut_says_which_are_known() -> None:
    with pytest.raises(ConfigError, match=r"'@reboot': unknown shortcut \(known: @hourly"):
        Cron.parse("@reboot")


# -- previous and next ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "now", "previous", "following"),
    [
        # within and across an hour
        ("30 * * * *", utc(2026, 5, 4, 10, 10), utc(2026, 5, 4, 9, 30), utc(2026, 5, 4, 10, 30)),
        ("*/20 * * * *", utc(2026, 5, 4, 10, 59), utc(2026, 5, 4, 10, 40), utc(2026, 5, 4, 11)),
        # across a day
        ("0 6 * * *", utc(2026, 5, 4, 5), utc(2026, 5, 3, 6), utc(2026, 5, 4, 6)),
        ("45 23 * * *", utc(2026, 5, 4, 23, 50), utc(2026, 5, 4, 23, 45), utc(2026, 5, 5, 23, 45)),
        # across a month, including a month without the day
        ("0 0 1 * *", utc(2026, 3, 15, 12), utc(2026, 3, 1), utc(2026, 4, 1)),
        ("0 12 31 * *", utc(2026, 4, 15), utc(2026, 3, 31, 12), utc(2026, 5, 31, 12)),
        # across a year
        ("59 23 31 12 *", utc(2026, 6, 1), utc(2025, 12, 31, 23, 59), utc(2026, 12, 31, 23, 59)),
        ("@yearly", utc(2026, 12, 31, 23, 59, 59), utc(2026, 1, 1), utc(2027, 1, 1)),
        # the 29th of February, four years apart
        ("0 0 29 2 *", utc(2028, 3, 1), utc(2028, 2, 29), utc(2032, 2, 29)),
        # weekdays only: a Saturday looks back to Friday and ahead to Monday
        ("0 6 * * 1-5", utc(2026, 3, 7, 12), utc(2026, 3, 6, 6), utc(2026, 3, 9, 6)),
        ("0 6 * * mon-fri", utc(2026, 3, 9, 5), utc(2026, 3, 6, 6), utc(2026, 3, 9, 6)),
        ("@weekly", utc(2026, 3, 11), utc(2026, 3, 8), utc(2026, 3, 15)),
        # both day fields restricted: either one fires (the next Friday before the next 13th)
        ("0 0 13 * 5", utc(2026, 3, 14), utc(2026, 3, 13), utc(2026, 3, 20)),
        # Sunday is 0 and 7, and a name
        ("0 9 * * 7", utc(2026, 3, 9), utc(2026, 3, 8, 9), utc(2026, 3, 15, 9)),
        ("0 9 * * SUN", utc(2026, 3, 9), utc(2026, 3, 8, 9), utc(2026, 3, 15, 9)),
    ],
)
def test_previous_and_next_across_boundaries(
    text: str, now: datetime, previous: datetime, following: datetime
) -> None:
    cron = Cron.parse(text)
    assert cron.previous(now) == previous
    assert cron.next(now) == following
    assert cron.previous(following) == following  # at or before: a fire time is its own previous
    assert cron.next(previous) == following


def test_seconds_are_dropped_and_next_is_strictly_later() -> None:
    cron = Cron.parse("0 6 * * *")
    assert cron.previous(utc(2026, 5, 4, 6, 0, 45)) == utc(2026, 5, 4, 6)
    assert cron.next(utc(2026, 5, 4, 6, 0, 0)) == utc(2026, 5, 5, 6)
    assert cron.next(utc(2026, 5, 4, 5, 59, 59)) == utc(2026, 5, 4, 6)
    assert cron.previous(utc(2026, 5, 4, 5, 59, 59)) == utc(2026, 5, 3, 6)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        Cron.parse("0 6 * * *").previous(datetime(2026, 5, 4, 12))
    with pytest.raises(ValueError, match="no time zone"):
        Cron.parse("0 6 * * *").next(datetime(2026, 5, 4, 12))


# -- time zones ----------------------------------------------------------------------------------


def test_the_same_expression_fires_at_different_instants_in_different_zones() -> None:
    cron = Cron.parse("0 6 * * *")
    now = utc(2026, 1, 15, 12)
    in_paris = cron.previous(now, PARIS)
    assert in_paris == datetime(2026, 1, 15, 6, tzinfo=PARIS)
    assert in_paris is not None and in_paris.tzinfo is PARIS
    assert in_paris.astimezone(UTC) == utc(2026, 1, 15, 5)  # CET is UTC+1
    assert cron.previous(now) == utc(2026, 1, 15, 6)
    # In summer Paris is UTC+2, so 06:00 there is 04:00 UTC.
    summer = cron.next(utc(2026, 7, 1, 5), PARIS)
    assert summer is not None and summer.astimezone(UTC) == utc(2026, 7, 2, 4)


def test_the_zone_defaults_to_the_moments_own() -> None:
    cron = Cron.parse("0 6 * * *")
    now = datetime(2026, 1, 15, 5, 30, tzinfo=PARIS)  # 04:30 UTC
    assert cron.previous(now) == datetime(2026, 1, 14, 6, tzinfo=PARIS)
    assert cron.previous(now, ZoneInfo("UTC")) == datetime(2026, 1, 14, 6, tzinfo=ZoneInfo("UTC"))
    following = cron.next(now)
    assert following is not None and following.tzinfo is PARIS


# On these days the clocks jump: (zone, the night, the wall-clock hour skipped or repeated).
SPRING_FORWARD = [(BERLIN, datetime(2027, 3, 28), 2), (NEW_YORK, datetime(2026, 3, 8), 2)]
FALL_BACK = [(BERLIN, datetime(2027, 10, 31), 2), (NEW_YORK, datetime(2026, 11, 1), 1)]


@pytest.mark.parametrize(("zone", "night", "hour"), SPRING_FORWARD)
def test_a_set_time_in_the_spring_forward_gap_runs_just_after_it(
    zone: ZoneInfo, night: datetime, hour: int
) -> None:
    cron = Cron.parse(f"30 {hour} * * *")
    start = night.replace(tzinfo=zone).astimezone(UTC) - timedelta(days=1)
    runs = fires(cron, start, start + timedelta(days=3), zone)
    days = [run.date() for run in runs]
    # Once a night, the night of the jump too: at the first minute after the gap, as cron does.
    assert days == [(night + timedelta(days=n)).date() for n in range(-1, 2)][: len(days)]
    assert len(runs) == 3
    assert (runs[1].hour, runs[1].minute) == (hour + 1, 0)
    assert [(run.hour, run.minute) for run in (runs[0], runs[2])] == [(hour, 30)] * 2


@pytest.mark.parametrize(("zone", "night", "hour"), FALL_BACK)
def test_a_repeated_set_time_at_fall_back_runs_once_the_first_time_round(
    zone: ZoneInfo, night: datetime, hour: int
) -> None:
    cron = Cron.parse(f"30 {hour} * * *")
    start = night.replace(tzinfo=zone).astimezone(UTC) - timedelta(days=1)
    runs = fires(cron, start, start + timedelta(days=3), zone)
    assert [run.date() for run in runs] == [
        (night + timedelta(days=n)).date() for n in range(-1, 2)
    ]
    jump = runs[1]
    assert jump.fold == 0 and (jump.hour, jump.minute) == (hour, 30)
    # The first pass: an hour before the same wall-clock time comes round again.
    second = jump.replace(fold=1)
    assert second.astimezone(UTC) - jump.astimezone(UTC) == timedelta(hours=1)


@pytest.mark.parametrize(("zone", "night", "hour"), FALL_BACK)
def test_every_quarter_hour_fires_the_repeated_hour_once(
    zone: ZoneInfo, night: datetime, hour: int
) -> None:
    cron = Cron.parse("*/15 * * * *")
    start = night.replace(hour=hour, tzinfo=zone).astimezone(UTC) - timedelta(minutes=1)
    runs = fires(cron, start, start + timedelta(hours=3), zone)
    walls = [(run.hour, run.minute) for run in runs]
    # Three hours of UTC hold the repeated hour twice; each of its quarters fires once.
    assert walls == [(h, m) for h in (hour, hour + 1) for m in (0, 15, 30, 45)]
    assert all(b.astimezone(UTC) > a.astimezone(UTC) for a, b in itertools.pairwise(runs))
    assert cron.next(runs[3], zone) == runs[4]  # from the first pass, past the second


# -- round trips against random moments ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "* * * * *",
        "*/7 9-17 * * 1-5",
        "15,45 */3 * * *",
        "30 2 * * *",
        "0 1 * * sun",
        "0 0 13 * 5",
        "5 4 1 jan,jul *",
        "@monthly",
    ],
)
@pytest.mark.parametrize(
    "zone", [ZoneInfo("UTC"), PARIS, NEW_YORK, ZoneInfo("Australia/Lord_Howe")]
)
def test_previous_and_next_agree_at_random_moments(text: str, zone: ZoneInfo) -> None:
    cron = Cron.parse(text)
    rng = random.Random(f"{text} {zone}")
    start = utc(2024, 1, 1).timestamp()
    span = utc(2028, 1, 1).timestamp() - start
    for _ in range(150):
        now = datetime.fromtimestamp(start + rng.random() * span, UTC)
        previous = cron.previous(now, zone)
        assert previous is not None
        assert previous.tzinfo is zone
        assert previous.astimezone(UTC) <= now
        following = cron.next(now, zone)
        assert following is not None and following.astimezone(UTC) > now
        assert cron.previous(following, zone) == following
        # Nothing fires between the two.
        between = cron.next(previous, zone)
        assert between is not None and between.astimezone(UTC) >= following.astimezone(UTC)
