"""Every write to notifications, split by concern; import from here (`from notifications import services`).

- outbox: one row per message, sent after commit, at most once, retried, resent, released;
- templates: the message texts per event and audience (install, edit, restore, preview);
- preferences: each person's email on/off and immediate/digest per topic;
- dispatch: from an event to rows for everyone concerned (templates, preferences, flood guard,
  thread headers);
- digests: the held rows, one message per person per period.
"""
from django.core.mail import EmailMessage  # noqa: F401  (tests patch EmailMessage.send through here)

from notifications.services.outbox import *  # noqa: F401,F403
from notifications.services.templates import *  # noqa: F401,F403
from notifications.services.preferences import *  # noqa: F401,F403
from notifications.services.dispatch import *  # noqa: F401,F403
from notifications.services.digests import *  # noqa: F401,F403
