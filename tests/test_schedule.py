"""Cron expressions: parsing, matching, and the previous and next fire times across zones."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dailypapers.errors import ConfigError
from dailypapers.jobs.schedule import Cron

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY, FRIDAY, SATURDAY, SUNDAY = 0, 4, 5, 6


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def brute_previous(cron: Cron, now: datetime, limit: timedelta) -> datetime | None:
    """The slow, obviously right answer in UTC: test every minute going back."""
    moment = now.replace(second=0, microsecond=0)
    while moment >= now - limit:
        if cron.matches(moment):
            return moment
        moment -= timedelta(minutes=1)
    return None


# Parsing


def test_a_star_allows_every_value_of_its_field() -> None:
    cron = Cron.parse("* * * * *")
    assert cron.minutes == frozenset(range(60))
    assert cron.hours == frozenset(range(24))
    assert cron.days == frozenset(range(1, 32))
    assert cron.months == frozenset(range(1, 13))
    assert cron.weekdays == frozenset(range(7))
    assert cron.text == "* * * * *"


@pytest.mark.parametrize(
    ("minute_field", "minutes"),
    [
        ("7", {7}),
        ("10-13", {10, 11, 12, 13}),
        ("*/15", {0, 15, 30, 45}),
        ("10-30/10", {10, 20, 30}),
        ("5/20", {5, 25, 45}),
        ("1,3,50-52", {1, 3, 50, 51, 52}),
        ("0-10/5,59", {0, 5, 10, 59}),
        ("3,3,3", {3}),
    ],
)
def test_each_syntax_form_of_a_field(minute_field: str, minutes: set[int]) -> None:
    assert Cron.parse(f"{minute_field} * * * *").minutes == minutes


def test_month_and_weekday_names_in_any_case_and_in_ranges() -> None:
    cron = Cron.parse("0 0 * JAN-mar,Dec mon,WED-Fri")
    assert cron.months == {1, 2, 3, 12}
    assert cron.weekdays == {MONDAY, 2, 3, FRIDAY}
    assert Cron.parse("0 0 * * sun,sat").weekdays == {SATURDAY, SUNDAY}


def test_sunday_is_both_0_and_7() -> None:
    sunday = {SUNDAY}
    assert Cron.parse("0 0 * * 0").weekdays == sunday
    assert Cron.parse("0 0 * * 7").weekdays == sunday
    assert Cron.parse("0 0 * * sun").weekdays == sunday
    assert Cron.parse("0 0 * * 1").weekdays == {MONDAY}
    assert Cron.parse("0 0 * * 6").weekdays == {SATURDAY}
    assert Cron.parse("0 0 * * 5-7").weekdays == {FRIDAY, SATURDAY, SUNDAY}
    assert Cron.parse("0 0 * * */2").weekdays == {SUNDAY, 1, 3, SATURDAY}  # 0,2,4,6
    assert Cron.parse("0 0 * * 7").matches(datetime(2026, 3, 8))  # a Sunday


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
    fields = ("minutes", "hours", "days", "months", "weekdays", "either_day")
    assert [getattr(cron, f) for f in fields] == [getattr(plain, f) for f in fields]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("61 * * * *", "cron expression '61 * * * *': minute 61 is out of range 0-59"),
        ("* 24 * * *", "cron expression '* 24 * * *': hour 24 is out of range 0-23"),
        ("* * 0 * *", "cron expression '* * 0 * *': day of month 0 is out of range 1-31"),
        ("* * 32 * *", "cron expression '* * 32 * *': day of month 32 is out of range 1-31"),
        ("* * * 13 *", "cron expression '* * * 13 *': month 13 is out of range 1-12"),
        ("* * * * 8", "cron expression '* * * * 8': day of week 8 is out of range 0-7"),
        ("1-70 * * * *", "cron expression '1-70 * * * *': minute 70 is out of range 0-59"),
        ("30-10 * * * *", "cron expression '30-10 * * * *': minute range 30-10 runs backwards"),
        ("*/0 * * * *", "cron expression '*/0 * * * *': minute step '0' is not a positive number"),
        ("*/x * * * *", "cron expression '*/x * * * *': minute step 'x' is not a positive number"),
        ("x * * * *", "cron expression 'x * * * *': minute 'x' is not a number"),
        ("1,,2 * * * *", "cron expression '1,,2 * * * *': minute '' is not a number"),
        ("-5 * * * *", "cron expression '-5 * * * *': minute '' is not a number"),
        ("* * * foo *", "cron expression '* * * foo *': month 'foo' is not a number or a name"),
        ("* * * * sat-sun", "cron expression '* * * * sat-sun': day of week range sat-sun runs"),
        ("* * * *", "cron expression '* * * *': expected 5 fields"),
        ("* * * * * *", "cron expression '* * * * * *': expected 5 fields"),
        ("", "cron expression '': expected 5 fields"),
        ("@reboot", "cron expression '@reboot': unknown shortcut"),
    ],
)
def test_bad_expressions_name_the_expression_and_the_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Cron.parse(text)
    assert str(caught.value).startswith(message)


def test_wrong_field_count_says_how_many() -> None:
    with pytest.raises(ConfigError, match=r"expected 5 fields .*got 3"):
        Cron.parse("0 6 *")


# Matching


def test_matches_reads_the_moments_own_wall_clock_to_the_minute() -> None:
    cron = Cron.parse("30 6 * * *")
    assert cron.matches(datetime(2026, 1, 15, 6, 30, 59, tzinfo=PARIS))
    assert not cron.matches(datetime(2026, 1, 15, 6, 31, tzinfo=PARIS))
    # 06:30 in Paris is 05:30 UTC, which this expression does not name.
    assert not cron.matches(datetime(2026, 1, 15, 6, 30, tzinfo=PARIS).astimezone(UTC))


def test_restricting_both_day_fields_fires_on_either() -> None:
    cron = Cron.parse("0 0 13 * fri")
    assert cron.either_day
    assert cron.matches(datetime(2026, 3, 13))  # Friday the 13th
    assert cron.matches(datetime(2026, 3, 20))  # another Friday, the 20th
    assert cron.matches(datetime(2026, 4, 13))  # a Monday, but the 13th
    assert not cron.matches(datetime(2026, 4, 14))  # neither


def test_one_restricted_day_field_alone_decides() -> None:
    by_date, by_weekday = Cron.parse("0 0 13 * *"), Cron.parse("0 0 * * fri")
    assert not by_date.either_day and not by_weekday.either_day
    assert by_date.matches(datetime(2026, 4, 13)) and not by_date.matches(datetime(2026, 3, 20))
    assert by_weekday.matches(datetime(2026, 3, 20))
    assert not by_weekday.matches(datetime(2026, 4, 13))


def test_a_stepped_star_still_counts_as_unrestricted_as_in_vixie_cron() -> None:
    cron = Cron.parse("0 0 */2 * mon")
    assert not cron.either_day
    assert cron.matches(datetime(2026, 3, 9))  # Monday, odd day
    assert not cron.matches(datetime(2026, 3, 16))  # Monday, even day
    assert not cron.matches(datetime(2026, 3, 11))  # odd day, Wednesday


# previous and next


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
        # the 29th of February, four years apart but inside the horizon after 2028
        ("0 0 29 2 *", utc(2028, 3, 1), utc(2028, 2, 29), None),
        # weekdays only: a Saturday looks back to Friday and ahead to Monday
        ("0 6 * * 1-5", utc(2026, 3, 7, 12), utc(2026, 3, 6, 6), utc(2026, 3, 9, 6)),
        ("0 6 * * mon-fri", utc(2026, 3, 9, 5), utc(2026, 3, 6, 6), utc(2026, 3, 9, 6)),
        ("@weekly", utc(2026, 3, 11), utc(2026, 3, 8), utc(2026, 3, 15)),
        # Vixie's OR: the next Friday comes before the next 13th
        ("0 0 13 * 5", utc(2026, 3, 14), utc(2026, 3, 13), utc(2026, 3, 20)),
    ],
)
def test_previous_and_next_across_boundaries(
    text: str, now: datetime, previous: datetime, following: datetime | None
) -> None:
    cron = Cron.parse(text)
    assert cron.previous(now) == previous
    assert cron.next(now) == following
    if following is None:
        return
    assert cron.previous(following) == following  # at or before: a fire time is its own previous
    assert cron.next(previous) == following


def test_seconds_are_dropped_and_next_is_strictly_later() -> None:
    cron = Cron.parse("0 6 * * *")
    assert cron.previous(utc(2026, 5, 4, 6, 0, 45)) == utc(2026, 5, 4, 6)
    assert cron.next(utc(2026, 5, 4, 6, 0, 0)) == utc(2026, 5, 5, 6)
    assert cron.next(utc(2026, 5, 4, 5, 59, 59)) == utc(2026, 5, 4, 6)
    assert cron.previous(utc(2026, 5, 4, 5, 59, 59)) == utc(2026, 5, 3, 6)


def test_an_impossible_date_has_no_fire_time() -> None:
    cron = Cron.parse("0 0 30 2 *")
    assert cron.previous(utc(2026, 5, 4)) is None
    assert cron.next(utc(2026, 5, 4)) is None


def test_walking_a_year_for_nothing_is_fast() -> None:
    cron = Cron.parse("* * 31 2 *")
    started = time.perf_counter()
    for _ in range(50):
        assert cron.previous(utc(2026, 5, 4)) is None
    # A minute-by-minute scan would test 527,000 minutes a call; walking days tests 367.
    assert time.perf_counter() - started < 2


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        Cron.parse("0 6 * * *").previous(datetime(2026, 5, 4, 12))
    with pytest.raises(ValueError, match="no time zone"):
        Cron.parse("0 6 * * *").next(datetime(2026, 5, 4, 12))


# Time zones


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


def test_a_time_in_the_spring_forward_gap_is_skipped() -> None:
    # On 8 March 2026 New York's clocks jump from 02:00 to 03:00: 02:30 never happens.
    cron = Cron.parse("30 2 * * *")
    after = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert cron.next(after) == datetime(2026, 3, 9, 2, 30, tzinfo=NEW_YORK)
    now = datetime(2026, 3, 8, 12, tzinfo=NEW_YORK)
    assert cron.previous(now) == datetime(2026, 3, 7, 2, 30, tzinfo=NEW_YORK)
    every_minute = Cron.parse("* * * * *")
    last_before_gap = datetime(2026, 3, 8, 1, 59, tzinfo=NEW_YORK)
    first_after_gap = every_minute.next(last_before_gap)
    assert first_after_gap == datetime(2026, 3, 8, 3, 0, tzinfo=NEW_YORK)
    assert first_after_gap is not None
    assert first_after_gap.astimezone(UTC) - last_before_gap.astimezone(UTC) == timedelta(minutes=1)


def test_a_repeated_time_at_fall_back_fires_once_the_first_time_round() -> None:
    # On 1 November 2026 New York's clocks go from 02:00 EDT back to 01:00 EST: 01:30 twice.
    cron = Cron.parse("30 1 * * *")
    first = cron.next(datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK))
    assert first is not None and first.fold == 0
    assert first.astimezone(UTC) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    # Not again at 01:30 EST an hour later: the next is the following night.
    following = cron.next(first)
    assert following is not None and following.astimezone(UTC) == utc(2026, 11, 2, 6, 30)
    # From 01:10 EST (second pass, 06:10 UTC) the 01:30 EDT fire an hour before is the previous,
    # though it is later on the clock.
    second_pass = datetime(2026, 11, 1, 1, 10, fold=1, tzinfo=NEW_YORK)
    assert second_pass.astimezone(UTC) == utc(2026, 11, 1, 6, 10)
    previous = cron.previous(second_pass)
    assert previous is not None and previous.astimezone(UTC) == utc(2026, 11, 1, 5, 30)
    # The same moment given in UTC, evaluated in New York's wall clock, agrees.
    previous_from_utc = cron.previous(utc(2026, 11, 1, 6, 10), NEW_YORK)
    assert previous_from_utc is not None
    assert previous_from_utc.astimezone(UTC) == utc(2026, 11, 1, 5, 30)


def test_every_minute_skips_the_second_pass_of_a_repeated_hour() -> None:
    cron = Cron.parse("* * * * *")
    last_edt = datetime(2026, 11, 1, 1, 59, tzinfo=NEW_YORK)
    following = cron.next(last_edt)
    assert following is not None and following.astimezone(UTC) == utc(2026, 11, 1, 7, 0)
    inside_second_pass = utc(2026, 11, 1, 6, 30)  # 01:30 EST
    previous = cron.previous(inside_second_pass, NEW_YORK)
    assert previous is not None and previous.astimezone(UTC) == utc(2026, 11, 1, 5, 59)


# Round trips against random moments


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
        assert cron.matches(previous)
        assert previous.astimezone(UTC) <= now
        following = cron.next(previous, zone)
        assert following is not None and cron.matches(following)
        assert following.astimezone(UTC) > now
        assert following == cron.next(now, zone)
        assert cron.previous(following, zone) == following


@pytest.mark.parametrize("text", ["*/7 9-17 * * 1-5", "15,45 */3 * * *", "0 0 13 * 5"])
def test_previous_equals_a_minute_by_minute_scan(text: str) -> None:
    cron = Cron.parse(text)
    rng = random.Random(text)
    for _ in range(20):
        now = utc(2026, 1, 1) + timedelta(seconds=rng.randrange(365 * 86400))
        assert cron.previous(now) == brute_previous(cron, now, timedelta(days=10))
