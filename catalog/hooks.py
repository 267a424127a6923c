"""Hook points for apps above catalog (which catalog must not import).

`register_schedule_changed(cb)`: cb(schedule_id) runs inside the transaction of every catalog
service that changes a schedule, one of its spans or one of its holidays (cases uses it to
recompute the running SLAs that count on that schedule, after commit). Every such change also
moves the schedule's `updated_at`, the version of its calendar."""
from collections.abc import Callable

_schedule_changed: list[Callable[[int], None]] = []


def register_schedule_changed(callback: Callable[[int], None]) -> None:
    if callback not in _schedule_changed:
        _schedule_changed.append(callback)


def schedule_touched(instance) -> None:
    """Called by the catalog services' generic create/update/delete with the record written."""
    from catalog.models import Holiday, Schedule, ScheduleSpan

    if isinstance(instance, Schedule):
        schedule_id = instance.pk
    elif isinstance(instance, (ScheduleSpan, Holiday)):
        schedule_id = instance.schedule_id
        # A schedule's updated_at is its calendar's version (processes that cached the calendar
        # check it on every use): a change of a span or holiday is a change of the schedule.
        from django.utils import timezone

        Schedule.objects.filter(pk=schedule_id).update(updated_at=timezone.now())
    else:
        return
    for callback in list(_schedule_changed):
        callback(schedule_id)
