"""The task SLA's clock columns (counted_before, counting_since, breach time, thresholds) agree
with measuring its counted intervals directly, whatever the pauses and the schedule: a property
test over random pause/resume histories on random calendars (in memory, no database)."""
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.models import TaskSla
from catalog.business_hours import business_add, business_between, calendar_from

UTC = datetime.UTC
START = datetime.datetime(2026, 3, 6, 8, tzinfo=UTC)  # a Friday before London's spring change
ZONES = ["UTC", "Europe/London", "America/New_York"]


@st.composite
def calendars(draw):
    if draw(st.booleans()):
        return None  # 24x7
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.integers(0, 12))
    length = draw(st.integers(1, 23 - start))
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    holidays = draw(st.lists(st.dates(datetime.date(2026, 3, 6), datetime.date(2026, 4, 6)), max_size=3))
    return calendar_from(
        zone, [(d, datetime.time(start), datetime.time(start + length)) for d in days], holidays
    )


@settings(max_examples=120, deadline=None)
@given(
    calendars(),
    st.integers(1, 40).map(lambda h: datetime.timedelta(hours=h)),
    st.lists(st.integers(1, 36 * 60), min_size=0, max_size=8),  # minutes between pause/resume toggles
    st.integers(0, 72 * 60),
)
def test_the_clock_columns_agree_with_the_counted_intervals(calendar, duration, gaps, look_after):
    task = TaskSla(duration=duration)
    task.begin(calendar=calendar, at=START)
    counted = []  # [start, end) of each counted stretch
    since, at = START, START
    for gap in gaps:
        at = at + datetime.timedelta(minutes=gap)
        if task.stage == "in_progress":
            task.pause(calendar=calendar, at=at)
            counted.append((since, at))
        else:
            task.resume(calendar=calendar, at=at)
            since = at
    now = at + datetime.timedelta(minutes=look_after)
    stretches = counted + ([(since, now)] if task.stage == "in_progress" else [])
    measured = sum((business_between(calendar, a, b) for a, b in stretches), datetime.timedelta(0))
    assert task.business_elapsed(calendar, now) == measured

    if task.stage == "in_progress":
        breach = task.breach_time
        if breach is not None:
            before = sum((business_between(calendar, a, b) for a, b in counted), datetime.timedelta(0))
            reached = before + business_between(calendar, since, max(breach, since))
            assert reached == max(duration, before)
            assert breach == (since if before >= duration else business_add(calendar, since, duration - before))
        points = [task.threshold_at(calendar, pct) for pct in (50, 75, 100)]
        if None not in points:
            assert points == sorted(points)
            assert task.next_check_at in points
    else:
        assert task.next_check_at is None and task.counting_since is None


@settings(max_examples=60, deadline=None)
@given(calendars(), st.integers(1, 40), st.integers(0, 80 * 60))
def test_completing_records_the_breach_exactly_when_the_duration_is_used_up(calendar, hours, minutes):
    duration = datetime.timedelta(hours=hours)
    task = TaskSla(duration=duration)
    task.begin(calendar=calendar, at=START)
    stop = START + datetime.timedelta(minutes=minutes)
    task.complete(calendar=calendar, at=stop)
    assert task.counted_before == business_between(calendar, START, stop)
    assert task.has_breached == (task.counted_before >= duration)
    assert (task.stage, task.stop_time, task.next_check_at) == ("completed", stop, None)
