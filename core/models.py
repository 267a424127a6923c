"""Platform pieces with no domain of their own: the timestamp base, number counters, heartbeats."""
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberField(models.CharField):
    """A human number column whose INSERT returns it (RETURNING), so a number the database makes
    in the INSERT itself (core.numbers.number_for_insert) is on the instance after `save()`.
    `db_returning` is the attribute Django itself reads for this (fields with a database default
    use it); on databases without RETURNING the number is made before the INSERT instead."""

    @property
    def db_returning(self) -> bool:
        from django.db import connection

        return connection.features.can_return_columns_from_insert


class NumberCounter(models.Model):
    """The counter behind human numbers (ACC0000001) on databases without sequences (SQLite).
    PostgreSQL uses a real sequence per prefix instead; see core.numbers."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last_value}"


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran the heartbeat task, per source (beat, check_worker, test)."""

    source = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.source} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
