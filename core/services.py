from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone

from core.models import WorkerHeartbeat


@transaction.atomic
def heartbeat_record(*, source: str, hostname: str = "") -> WorkerHeartbeat:
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        source=source, defaults={"seen_at": timezone.now(), "hostname": hostname[:255]}
    )
    return beat


def model_apply(instance, data: dict, *, exclude_clean: tuple[str, ...] = ()) -> list[str]:
    """Set plain fields from `data`, validate the whole instance (field validators, choices,
    uniqueness, Model.clean) and return the names that changed. The caller saves. Many-to-many
    values must be set by the caller after saving."""
    changed = []
    for name, value in data.items():
        try:
            current = getattr(instance, name)
        except ObjectDoesNotExist:  # a required relation not set yet
            current = None
        if current != value:
            setattr(instance, name, value)
            changed.append(name)
    instance.full_clean(exclude=list(exclude_clean) or None)
    return changed
