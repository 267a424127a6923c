"""Business-hours arithmetic over a Schedule: pure functions, no I/O after the calendar is built.

Meaning (the rule every function follows, and the oracle the property tests check against):
an instant is *business time* when, on the schedule's wall clock (its IANA time zone), its local
date is not a holiday and its local time lies in one of that weekday's spans, start included,
end excluded. A span ending at 23:59:59 or later runs to midnight (a TimeField cannot say 24:00).

So daylight-saving changes are handled by the wall clock, not by "8 hours a day": a 00:00-24:00
span is 23 hours long on a spring-forward day and 25 on a fall-back day; a span that starts in
the skipped hour starts at the transition; wall times that happen twice (fall back) count twice.

    calendar = calendar_for(schedule)                        # None: no schedule, 24x7
    business_between(calendar, start, end) -> timedelta      # business time in [start, end)
    business_add(calendar, start, timedelta(hours=8)) -> datetime | None
        # the earliest instant t >= start with business_between(start, t) == the amount;
        # None if the schedule has no business time within HORIZON_DAYS (e.g. no spans at all)

Instants in and out are timezone-aware datetimes; results are in UTC.
"""
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = datetime.UTC
ZERO = datetime.timedelta(0)
DAY = datetime.timedelta(days=1)
END_OF_DAY = datetime.time(23, 59, 59)
HORIZON_DAYS = 3 * 366  # business_add gives up (None) past this many days without enough business time

__all__ = [
    "BusinessCalendar", "calendar_for", "calendar_from", "business_between", "business_add", "business_windows",
    "is_business_time",
]


@dataclass(frozen=True)
class BusinessCalendar:
    """A schedule reduced to what the arithmetic needs; hashable, so per-day windows are cached."""

    time_zone: str
    # spans[weekday] = ((start, end), ...) with weekday 0 = Monday, as in catalog.choices.Weekday
    spans: tuple[tuple[tuple[datetime.time, datetime.time], ...], ...]
    holidays: frozenset[datetime.date]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def has_spans(self) -> bool:
        return any(self.spans)


def calendar_from(
    time_zone: str, spans: Iterable[tuple[int, datetime.time, datetime.time]], holidays: Iterable[datetime.date] = ()
) -> BusinessCalendar:
    by_day: list[list[tuple[datetime.time, datetime.time]]] = [[] for _ in range(7)]
    for weekday, start, end in spans:
        if end > start:
            by_day[weekday].append((start, end))
    return BusinessCalendar(
        time_zone=time_zone,
        spans=tuple(tuple(sorted(day)) for day in by_day),
        holidays=frozenset(holidays),
    )


def calendar_for(schedule) -> BusinessCalendar | None:
    """The calendar of a catalog.Schedule (None stays None: 24x7). Two small queries unless the
    schedule's spans and holidays were prefetched."""
    if schedule is None:
        return None
    return calendar_from(
        schedule.time_zone,
        ((s.weekday, s.start_time, s.end_time) for s in schedule.spans.all()),
        (h.date for h in schedule.holidays.all()),
    )


# --- one local day ---------------------------------------------------------------------------------
def _naive_utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        raise ValueError("business-hours arithmetic needs timezone-aware datetimes")
    return value.astimezone(UTC).replace(tzinfo=None)


def _day_start(tz: ZoneInfo, day: datetime.date) -> datetime.datetime:
    """The first instant (naive UTC) whose local date is `day`. A midnight in a skipped hour maps,
    with fold=0, to the transition itself; an ambiguous midnight to its first occurrence."""
    return _naive_utc(datetime.datetime.combine(day, datetime.time(0), tzinfo=tz))


def _offset(tz: ZoneInfo, naive_utc: datetime.datetime) -> datetime.timedelta:
    return naive_utc.replace(tzinfo=UTC).astimezone(tz).utcoffset()


def _segments(tz: ZoneInfo, start: datetime.datetime, end: datetime.datetime):
    """[(from, to, utc offset)] covering [start, end) (naive UTC) with a constant offset each.
    Offsets change at most a few times a day; each change is found by bisection to the microsecond."""
    segments = []
    while start < end:
        offset = _offset(tz, start)
        if _offset(tz, end - datetime.timedelta(microseconds=1)) == offset:
            segments.append((start, end, offset))
            break
        low, high = start, end  # offset(low) == offset, offset(high - 1us) != offset
        while high - low > datetime.timedelta(microseconds=1):
            middle = low + (high - low) / 2
            if _offset(tz, middle) == offset:
                low = middle
            else:
                high = middle
        segments.append((start, high, offset))
        start = high
    return segments


@lru_cache(maxsize=4096)
def _day_windows(calendar: BusinessCalendar, day: datetime.date) -> tuple[tuple[datetime.datetime, datetime.datetime], ...]:
    """Business windows (naive UTC, sorted, disjoint) of one local day."""
    spans = calendar.spans[day.weekday()]
    if not spans or day in calendar.holidays:
        return ()
    tz = calendar.tz
    day_from, day_to = _day_start(tz, day), _day_start(tz, day + DAY)
    windows = []
    for seg_from, seg_to, offset in _segments(tz, day_from, day_to):
        for span_start, span_end in spans:
            wall_from = datetime.datetime.combine(day, span_start)
            wall_to = (
                datetime.datetime.combine(day + DAY, datetime.time(0))
                if span_end >= END_OF_DAY
                else datetime.datetime.combine(day, span_end)
            )
            # In this segment wall = utc + offset, so the span's preimage is [wall_from - offset, wall_to - offset).
            w_from, w_to = max(wall_from - offset, seg_from), min(wall_to - offset, seg_to)
            if w_from < w_to:
                windows.append((w_from, w_to))
    windows.sort()
    merged: list[list[datetime.datetime]] = []
    for w_from, w_to in windows:
        if merged and w_from <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], w_to)
        else:
            merged.append([w_from, w_to])
    return tuple((a, b) for a, b in merged)


def _local_date(calendar: BusinessCalendar, naive_utc: datetime.datetime) -> datetime.date:
    return naive_utc.replace(tzinfo=UTC).astimezone(calendar.tz).date()


def _windows_from(calendar: BusinessCalendar, start: datetime.datetime) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
    """Business windows (naive UTC) clipped to start at `start` (naive UTC), for ever."""
    day = _local_date(calendar, start)
    while True:
        for w_from, w_to in _day_windows(calendar, day):
            if w_to > start:
                yield max(w_from, start), w_to
        day += DAY


# --- the public arithmetic ------------------------------------------------------------------------
def business_windows(
    calendar: BusinessCalendar | None, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The business windows inside [start, end), as aware UTC datetimes."""
    if end <= start:
        return []
    if calendar is None:
        return [(start.astimezone(UTC), end.astimezone(UTC))]
    s, e = _naive_utc(start), _naive_utc(end)
    result = []
    day, last_day = _local_date(calendar, s), _local_date(calendar, e)
    while day <= last_day:
        for w_from, w_to in _day_windows(calendar, day):
            a, b = max(w_from, s), min(w_to, e)
            if a >= b:
                continue
            if result and result[-1][1] == a:  # a window running on past midnight
                result[-1][1] = b
            else:
                result.append([a, b])
        day += DAY
    return [(a.replace(tzinfo=UTC), b.replace(tzinfo=UTC)) for a, b in result]


def business_between(
    calendar: BusinessCalendar | None, start: datetime.datetime, end: datetime.datetime
) -> datetime.timedelta:
    """Business time in [start, end); zero when end <= start."""
    if end <= start:
        return ZERO
    if calendar is None:
        return end - start
    return sum((b - a for a, b in business_windows(calendar, start, end)), ZERO)


def business_add(
    calendar: BusinessCalendar | None, start: datetime.datetime, amount: datetime.timedelta
) -> datetime.datetime | None:
    """The earliest instant t >= start such that business_between(start, t) == amount (start
    itself for a zero amount). None when the calendar has no such instant within HORIZON_DAYS."""
    if amount < ZERO:
        raise ValueError("business_add takes a non-negative amount")
    if amount == ZERO:
        return start.astimezone(UTC)
    if calendar is None:
        return start.astimezone(UTC) + amount
    if not calendar.has_spans:
        return None
    s = _naive_utc(start)
    limit = s + datetime.timedelta(days=HORIZON_DAYS)
    left = amount
    for w_from, w_to in _windows_from(calendar, s):
        if w_from > limit:
            return None
        length = w_to - w_from
        if length >= left:
            return (w_from + left).replace(tzinfo=UTC)
        left -= length
    return None  # pragma: no cover  (the generator is endless)


def is_business_time(calendar: BusinessCalendar | None, instant: datetime.datetime) -> bool:
    """Is this instant inside business hours (24x7: always)?"""
    if calendar is None:
        return True
    return business_between(calendar, instant, instant + datetime.timedelta(microseconds=1)) > ZERO
