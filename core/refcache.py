"""Per-process caches of the small tables admins edit and every write reads.

Opening a case reads the lifecycle's initial state, the active SLA definitions, the assignment
rules and the notification templates: a handful of rows that change a few times a month, read
on every case created or changed. Each read is a query of its own (about 1.5 ms of Django and
PostgreSQL work), so together they cost more than the case's own INSERT. `Reference` keeps the
loaded rows in the process:

- A save or delete of one of a reference's models (Django signals, admin and services alike)
  drops it in this process at once, and again when that transaction commits.
- Other processes (web workers, Celery) reload it at most `REFERENCE_CACHE_SECONDS` later
  (default 10; 0 turns the caches off). An admin's change to a lifecycle, an SLA definition,
  an assignment rule or a template therefore applies everywhere within that time.
- Bulk `QuerySet.update()` on these tables sends no signal: the services that do it call
  `Reference.clear()` themselves; a change made straight in the database applies after the
  time above.

Cached values are shared between requests: callers treat them as read-only, and take a fresh row
(`select_for_update`) before changing one.
"""
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_REGISTRY: dict[str, "Reference"] = {}


class Reference(Generic[T]):
    """One cached value (usually a list or dict of rows), loaded by `load()` when missing or older
    than `REFERENCE_CACHE_SECONDS`."""

    def __init__(self, name: str, load: Callable[[], T], *, models: tuple[str, ...]):
        self.name, self._load, self.models = name, load, models
        self._value: T | None = None
        self._loaded_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()
        _REGISTRY[name] = self
        _connect(models)

    def get(self) -> T:
        seconds = settings.REFERENCE_CACHE_SECONDS
        if seconds <= 0:
            return self._load()
        now = time.monotonic()
        if self._value is not None and now - self._loaded_at < seconds:
            return self._value
        generation = self._generation
        value = self._load()
        with self._lock:
            if generation == self._generation:  # not cleared while loading: keep it
                self._value, self._loaded_at = value, now
        return value

    def clear(self) -> None:
        with self._lock:
            self._value, self._generation = None, self._generation + 1


def reference_clear_all() -> None:
    """Drop every cached reference in this process (tests start each case from the database)."""
    for reference in _REGISTRY.values():
        reference.clear()


def _on_change(sender, **kwargs) -> None:
    label = sender._meta.label
    stale = [reference for reference in _REGISTRY.values() if label in reference.models]
    for reference in stale:
        reference.clear()
    if stale:
        # Cleared again at commit: a read between the change and the commit may have cached it.
        transaction.on_commit(lambda: [reference.clear() for reference in stale])


def _watch(*model_classes) -> None:
    for model in model_classes:
        uid = f"core.refcache:{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}:delete")


def _connect(models: tuple[str, ...]) -> None:
    """Listen to saves and deletes of exactly these models (once each model class is ready). Only
    these: a receiver for every model would stop Django's fast deletes everywhere."""
    for label in models:
        app_label, model_name = label.split(".")
        apps.lazy_model_operation(_watch, (app_label, model_name.lower()))
