"""Celery tasks of the cases app, one module per area (Celery's autodiscovery imports this package).

Each area adds one import line below so that its tasks are registered by name."""
from cases.tasks.attachments import *  # noqa: F401,F403,E402
from cases.tasks import slas  # noqa: F401,E402
from cases.tasks import routing  # noqa: F401,E402  (offer timeouts)
from cases.tasks import autoclose  # noqa: F401,E402  (auto-close scan)
from cases.tasks import followups  # noqa: F401,E402  (after-commit follow-ups of case changes)
