import gc

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self):
        gc_tune(getattr(settings, "GC_THRESHOLDS", ""))


def gc_tune(thresholds: str) -> tuple[int, ...] | None:
    """Freeze what start-up loaded (modules, settings, models: never garbage) out of the cyclic
    collector's scans and raise its thresholds. Returns the thresholds applied (None: defaults)."""
    if not thresholds:
        return None
    values = tuple(int(part) for part in thresholds.split(","))
    if len(values) != 3 or min(values) < 1:
        raise ValueError(f"GC_THRESHOLDS is three positive integers, e.g. 7000,10,10 (got {thresholds!r}).")
    gc.freeze()
    gc.set_threshold(*values)
    return values
