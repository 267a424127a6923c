"""Development on one machine: `make run`. Debug on unless DJANGO_DEBUG says otherwise."""
from config.env import env
from config.settings.base import *  # noqa: F401,F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
