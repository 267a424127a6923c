"""Property tests of the business-hours arithmetic (catalog/business_hours.py).

The oracle is the definition itself: an instant is business time when its wall-clock time in the
schedule's zone falls in a span of its weekday and its local date is no holiday. Every function
is checked against it, and against the algebra it must obey (round trips, monotonicity,
additivity), on random schedules in zones with daylight saving in both hemispheres and with a
half-hour offset, with holidays, and with instants packed around the DST changes of 2026."""
import datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from catalog.business_hours import (
    END_OF_DAY,
    HORIZON_DAYS,
    business_add,
    business_between,
    business_windows,
    calendar_for,
    calendar_from,
    is_business_time,
)

UTC = datetime.UTC
T = datetime.time
D = datetime.date
H = datetime.timedelta(hours=1)
ZONES = ["UTC", "Europe/London", "America/New_York", "Europe/Paris", "Australia/Sydney", "Asia/Kolkata"]
# The 2026 changes: London and Paris 29 Mar / 25 Oct, New York 8 Mar / 1 Nov, Sydney 5 Apr / 4 Oct.
DST_DAYS = [D(2026, 3, 29), D(2026, 10, 25), D(2026, 3, 8), D(2026, 11, 1), D(2026, 4, 5), D(2026, 10, 4)]


def oracle_is_business(calendar, instant: datetime.datetime) -> bool:
    local = instant.astimezone(calendar.tz)
    if local.date() in calendar.holidays:
        return False
    now = local.time().replace(tzinfo=None)
    return any(start <= now and (end >= END_OF_DAY or now < end) for start, end in calendar.spans[local.weekday()])


def oracle_between_minutes(calendar, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Minute by minute (spans and bounds are whole minutes, DST changes fall on whole minutes)."""
    total, t = datetime.timedelta(0), start
    while t < end:
        if oracle_is_business(calendar, t):
            total += datetime.timedelta(minutes=1)
        t += datetime.timedelta(minutes=1)
    return total


# --- strategies ----------------------------------------------------------------------------------
@st.composite
def spans(draw, *, minute_aligned=True):
    start = draw(st.integers(0, 23 * 60 + 58))
    end = draw(st.integers(start + 1, 24 * 60))
    weekday = draw(st.integers(0, 6))
    end_time = END_OF_DAY if end == 24 * 60 else T(end // 60, end % 60)
    return weekday, T(start // 60, start % 60), end_time


@st.composite
def calendars(draw, min_spans=1):
    zone = draw(st.sampled_from(ZONES))
    chosen = draw(st.lists(spans(), min_size=min_spans, max_size=8))
    if draw(st.booleans()):  # often a plain office week, so long stretches are realistic
        chosen += [(d, T(8), T(17)) for d in range(5)]
    holidays = draw(st.lists(st.dates(D(2026, 1, 1), D(2026, 12, 31)), max_size=6))
    holidays += draw(st.lists(st.sampled_from(DST_DAYS), max_size=2))
    return calendar_from(zone, chosen, holidays)


@st.composite
def instants(draw, minute_aligned=False):
    """UTC instants in 2026, half of them within two days of a DST change."""
    if draw(st.booleans()):
        day = draw(st.sampled_from(DST_DAYS))
        base = datetime.datetime.combine(day, T(0), tzinfo=UTC) - datetime.timedelta(days=1)
        offset = draw(st.integers(0, 3 * 24 * 60 - 1))
        value = base + datetime.timedelta(minutes=offset)
    else:
        value = draw(
            st.datetimes(datetime.datetime(2026, 1, 1), datetime.datetime(2026, 12, 31), timezones=st.just(UTC))
        )
        value = value.replace(second=0, microsecond=0) if minute_aligned else value
    if not minute_aligned:
        value += datetime.timedelta(microseconds=draw(st.integers(0, 59_999_999)))
    return value


durations = st.integers(0, 80 * 3600 * 10**6).map(lambda us: datetime.timedelta(microseconds=us))
SETTINGS = settings(max_examples=150, deadline=None)


# --- against the oracle --------------------------------------------------------------------------
@SETTINGS
@given(calendars(), instants())
def test_membership_matches_the_wall_clock_definition(calendar, instant):
    assert is_business_time(calendar, instant) == oracle_is_business(calendar, instant)


@settings(max_examples=60, deadline=None)
@given(calendars(), instants(minute_aligned=True), st.integers(0, 36 * 60))
def test_business_time_between_matches_a_minute_by_minute_count(calendar, start, minutes):
    end = start + datetime.timedelta(minutes=minutes)
    assert business_between(calendar, start, end) == oracle_between_minutes(calendar, start, end)


@SETTINGS
@given(calendars(), instants(), instants())
def test_windows_are_disjoint_sorted_business_time_inside_the_range(calendar, a, b):
    start, end = min(a, b), max(a, b)
    assume(end - start < datetime.timedelta(days=20))
    windows = business_windows(calendar, start, end)
    for index, (w_from, w_to) in enumerate(windows):
        assert start <= w_from < w_to <= end
        assert oracle_is_business(calendar, w_from)
        assert oracle_is_business(calendar, w_to - datetime.timedelta(microseconds=1))
        if index + 1 < len(windows):
            assert w_to < windows[index + 1][0]  # merged: never touching
            assert not oracle_is_business(calendar, w_to)
    assert sum((b - a for a, b in windows), datetime.timedelta(0)) == business_between(calendar, start, end)


# --- algebra -------------------------------------------------------------------------------------
@SETTINGS
@given(calendars(), instants(), durations)
def test_add_then_measure_round_trips_and_is_the_earliest_such_instant(calendar, start, amount):
    end = business_add(calendar, start, amount)
    if end is None:  # only when the schedule has too little business time within the horizon
        horizon = start + datetime.timedelta(days=HORIZON_DAYS)
        assert business_between(calendar, start, horizon) < amount
        return
    assert end >= start
    assert business_between(calendar, start, end) == amount
    if amount:
        assert business_between(calendar, start, end - datetime.timedelta(microseconds=1)) < amount
        assert oracle_is_business(calendar, end - datetime.timedelta(microseconds=1))


@SETTINGS
@given(calendars(), instants(), durations, durations)
def test_add_is_monotonic_and_composes(calendar, start, n, m):
    first, both = business_add(calendar, start, n), business_add(calendar, start, n + m)
    assume(both is not None)  # within the horizon (see the round-trip test for the rest)
    assert first <= both
    assert business_add(calendar, first, m) == both


@SETTINGS
@given(calendars(), instants(), instants(), instants())
def test_measure_is_additive_over_split_intervals_and_monotonic(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assume(c - a < datetime.timedelta(days=40))
    ab, bc, ac = business_between(calendar, a, b), business_between(calendar, b, c), business_between(calendar, a, c)
    assert ab + bc == ac
    assert ab <= ac and business_between(calendar, b, c) <= business_between(calendar, a, c)
    assert ac <= c - a


@SETTINGS
@given(instants(), durations)
def test_no_schedule_is_plain_wall_time(start, amount):
    assert business_add(None, start, amount) == start + amount
    assert business_between(None, start, start + amount) == amount


# --- daylight saving, by hand --------------------------------------------------------------------
ALL_DAY = [(d, T(0), END_OF_DAY) for d in range(7)]
NINE_TO_FIVE = [(d, T(9), T(17)) for d in range(7)]


def _local_day(zone, day):
    calendar = calendar_from(zone, ALL_DAY)
    tz = calendar.tz
    return (
        calendar,
        datetime.datetime.combine(day, T(0), tzinfo=tz),
        datetime.datetime.combine(day + datetime.timedelta(days=1), T(0), tzinfo=tz),
    )


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/London", D(2026, 3, 29), 23),
        ("Europe/London", D(2026, 10, 25), 25),
        ("America/New_York", D(2026, 3, 8), 23),
        ("America/New_York", D(2026, 11, 1), 25),
        ("Europe/London", D(2026, 6, 1), 24),
    ],
)
def test_a_whole_local_day_lasts_as_long_as_the_clock_says(zone, day, hours):
    calendar, start, end = _local_day(zone, day)
    assert business_between(calendar, start, end) == hours * H


@pytest.mark.parametrize("zone, day", [("Europe/London", D(2026, 3, 29)), ("America/New_York", D(2026, 11, 1))])
def test_office_hours_stay_eight_hours_on_dst_days(zone, day):
    calendar = calendar_from(zone, NINE_TO_FIVE)
    tz = calendar.tz
    start = datetime.datetime.combine(day, T(0), tzinfo=tz)
    assert business_between(calendar, start, start + 2 * datetime.timedelta(days=1)) == 16 * H
    nine = datetime.datetime.combine(day, T(9), tzinfo=tz)
    assert business_add(calendar, start, 8 * H) == datetime.datetime.combine(day, T(17), tzinfo=tz).astimezone(UTC)
    assert business_add(calendar, nine, 9 * H) == (
        datetime.datetime.combine(day + datetime.timedelta(days=1), T(10), tzinfo=tz).astimezone(UTC)
    )


def test_a_span_starting_in_the_skipped_hour_starts_at_the_change():
    # New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30-04:00 is one real hour.
    calendar = calendar_from("America/New_York", [(6, T(2, 30), T(4))])
    day = datetime.datetime(2026, 3, 8, tzinfo=UTC)
    windows = business_windows(calendar, day, day + datetime.timedelta(days=1))
    assert windows == [(datetime.datetime(2026, 3, 8, 7, tzinfo=UTC), datetime.datetime(2026, 3, 8, 8, tzinfo=UTC))]


def test_a_repeated_hour_counts_twice():
    # London, 25 October 2026: 01:00-02:00 happens in BST and again in GMT.
    calendar = calendar_from("Europe/London", [(6, T(1), T(2))])
    day = datetime.datetime(2026, 10, 25, tzinfo=UTC)
    assert business_between(calendar, day - H, day + datetime.timedelta(days=1)) == 2 * H
    assert business_add(calendar, day - H, 90 * datetime.timedelta(minutes=1)) == datetime.datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )


# --- holidays ------------------------------------------------------------------------------------
def test_holidays_are_skipped():
    weekdays = [(d, T(8), T(17)) for d in range(5)]
    plain = calendar_from("America/New_York", weekdays)
    thanksgiving = calendar_from("America/New_York", weekdays, [D(2026, 11, 26)])
    tz = plain.tz
    wednesday_four = datetime.datetime(2026, 11, 25, 16, tzinfo=tz)
    assert business_add(plain, wednesday_four, 8 * H) == datetime.datetime(2026, 11, 26, 15, tzinfo=tz)
    assert business_add(thanksgiving, wednesday_four, 8 * H) == datetime.datetime(2026, 11, 27, 15, tzinfo=tz)
    holiday = datetime.datetime(2026, 11, 26, tzinfo=tz)
    assert business_between(thanksgiving, holiday, holiday + datetime.timedelta(days=1)) == datetime.timedelta(0)


@SETTINGS
@given(calendars(), st.dates(D(2026, 1, 2), D(2026, 12, 30)))
def test_no_business_time_on_a_holiday(calendar, day):
    holiday = calendar_from(calendar.time_zone, [(d, s, e) for d, spans in enumerate(calendar.spans) for s, e in spans], [day])
    tz = holiday.tz
    start = datetime.datetime.combine(day, T(0), tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), T(0), tzinfo=tz)
    assert business_between(holiday, start, end) == datetime.timedelta(0)


def test_a_schedule_without_spans_never_reaches_an_amount():
    empty = calendar_from("UTC", [])
    start = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert business_add(empty, start, H) is None
    assert business_add(empty, start, datetime.timedelta(0)) == start
    assert business_between(empty, start, start + 10 * H) == datetime.timedelta(0)


def test_naive_datetimes_are_refused():
    calendar = calendar_from("UTC", ALL_DAY)
    with pytest.raises(ValueError):
        business_between(calendar, datetime.datetime(2026, 1, 1), datetime.datetime(2026, 1, 2))


@pytest.mark.django_db
def test_calendar_of_a_catalog_schedule():
    from tests.factories import HolidayFactory, ScheduleFactory, ScheduleSpanFactory

    schedule = ScheduleFactory(time_zone="Europe/Paris")
    ScheduleSpanFactory(schedule=schedule, weekday=0, start_time=T(9), end_time=T(12))
    ScheduleSpanFactory(schedule=schedule, weekday=0, start_time=T(13), end_time=T(17))
    HolidayFactory(schedule=schedule, date=D(2026, 1, 5), name="Closed")
    calendar = calendar_for(schedule)
    monday = datetime.datetime(2026, 1, 12, tzinfo=calendar.tz)
    assert business_between(calendar, monday, monday + datetime.timedelta(days=1)) == 7 * H
    assert business_between(calendar, monday - datetime.timedelta(days=7), monday) == datetime.timedelta(0)
    assert calendar_for(None) is None
