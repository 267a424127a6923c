"""pytest's settings (pyproject selects them). DATABASE_URL / CELERY_BROKER_URL from the
environment switch the same suite to PostgreSQL and Redis (`make test-services`)."""
from config.env import env
from config.settings.base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The live-worker tests point a worker process at a recording backend (tests/notifications/backends.py).
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"}}  # noqa: F405
# The flood guard holds messages for a digest past NOTIFICATION_FLOOD_LIMIT per person; tests that
# create many cases for one agent would see their notices held. Off here; its own tests switch it on.
NOTIFICATION_FLOOD_LIMIT = env.int("NOTIFICATION_FLOOD_LIMIT", default=0)
# seed_demo's maildir mailbox: a scratch directory per test process, not the checkout's var/.
import os as _os  # noqa: E402
import tempfile as _tempfile  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

INBOUND_MAIL_DEMO_MAILDIR = _Path(_tempfile.gettempdir()) / f"casedesk-test-maildir-{_os.getpid()}"
