"""Every setting lives here; local, test and production only override. Values come from the
environment (django-environ); .env.example documents each variable."""
from datetime import timedelta
from pathlib import Path

from config.env import BASE_DIR, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",  # its migrations only: users/migrations/0005 moved its tokens to users.ApiToken
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "axes",
    "core",
    "users",
    "customers",
    "catalog",
    "cases",
    "notifications",
    "interactions",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After a temporary password, every page leads to the password change until it is done.
    "portal.middleware.PasswordChangeRequiredMiddleware",
    # Last: turns a sign-in refused for too many failures into the lock-out answer (users.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",  # lazy: costs nothing on pages that do not use it
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks instead of failing,
    # take the write lock at BEGIN (no upgrade deadlocks) and let readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
# 0 here (the development server opens a thread, hence a connection, per request); the production
# settings keep connections 60 s by default.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check while the account and address are locked out (axes).
    "users.backends.LockoutBackend",
    "users.backends.RoleModelBackend",  # ModelBackend, with roles and group permissions in one query
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- Sign-in limits (django-axes; users/lockout.py, docs/architecture.md "Password guessing") ---
# Failed password checks are counted in the database (shared by every web process) per account
# and client address together, and per client address alone. LOGIN_FAILURE_LIMIT failures for one
# username from one address, or LOGIN_ADDRESS_FAILURE_LIMIT failures from one address whatever
# the usernames, pause password sign-in there for LOGIN_LOCKOUT_MINUTES after the last failure.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_ADDRESS_FAILURE_LIMIT < LOGIN_FAILURE_LIMIT or LOGIN_LOCKOUT_MINUTES < 1:
    raise ValueError("LOGIN_FAILURE_LIMIT >= 1, LOGIN_ADDRESS_FAILURE_LIMIT >= LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES >= 1.")
# The client address is REMOTE_ADDR. Behind N reverse proxies that each append to X-Forwarded-For
# (and strip what the client sent), set N: the address N from the right is the client's. Used by
# the sign-in limits, the API throttles and the portal's rate limits (core.clients).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
AXES_HANDLER = "users.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # LockoutHandler reads them in this order
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the pause ends when announced
AXES_RESET_ON_SUCCESS = False  # one good sign-in must not wipe an address's count of other accounts
AXES_CLIENT_IP_CALLABLE = "core.clients.client_address"
AXES_USERNAME_CALLABLE = "users.lockout.attempted_username"
AXES_LOCKOUT_CALLABLE = "users.views.lockout_response"
AXES_ENABLE_ADMIN = False  # users/admin/signin.py shows them, with unlocking
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure, kept for the admins (AccessFailureLog)
AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = env.int("LOGIN_FAILURE_LOG_PER_USER", default=300)
AXES_VERBOSE = False
# Never copy a password into the attempt records (the password change forms name theirs so).
AXES_SENSITIVE_PARAMETERS = ["old_password", "new_password1", "new_password2", "password1", "password2"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# guardian: no AnonymousUser row; anonymous requests are refused before any object check.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}
        if env("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="support@localhost")
# The outbox (notifications/): when the beat queues a pending message again, how often a send is
# tried, and the domain of the Message-IDs that let replies thread back.
NOTIFICATION_REQUEUE_AFTER_SECONDS = env.int("NOTIFICATION_REQUEUE_AFTER_SECONDS", default=120)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_MESSAGE_ID_DOMAIN = env("NOTIFICATION_MESSAGE_ID_DOMAIN", default="casedesk.localhost")
# Delivery when a person has set no preference: "immediate" (one message each) or "digest".
NOTIFICATION_DEFAULT_DELIVERY = env("NOTIFICATION_DEFAULT_DELIVERY", default="immediate")
if NOTIFICATION_DEFAULT_DELIVERY not in ("immediate", "digest"):
    raise ValueError("NOTIFICATION_DEFAULT_DELIVERY is 'immediate' or 'digest'.")
# Digests: held messages go out as one message per person per period (aligned on the clock).
NOTIFICATION_DIGEST_PERIOD_MINUTES = env.int("NOTIFICATION_DIGEST_PERIOD_MINUTES", default=60)
# Flood guard: past this many messages to one person within the window, the rest of the window is
# held for the digest (mandatory messages excepted). 0 switches the guard off.
NOTIFICATION_FLOOD_LIMIT = env.int("NOTIFICATION_FLOOD_LIMIT", default=20)
NOTIFICATION_FLOOD_WINDOW_MINUTES = env.int("NOTIFICATION_FLOOD_WINDOW_MINUTES", default=10)
# Links in messages: the address people reach the product at, and the portal's page of a case.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PORTAL_CASE_URL_PATH = env("PORTAL_CASE_URL_PATH", default="/portal/cases/{number}/")

# --- Celery -------------------------------------------------------------------------------
# Default broker: kombu's filesystem transport, so a real worker and beat run with no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):  # kombu's filesystem transport needs them to exist
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),  # else ./control in the working tree
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Stopping a worker with SIGQUIT (a cold shutdown, as bin/run-all does; or Ctrl-C twice): the tasks
# in flight get this many seconds, then they are cancelled and go back to the queue (every task is
# acks_late and idempotent). SIGTERM's warm shutdown waits for them without a bound.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=2.0)
# How long the worker waits for the result of a pool process that died (killed, out of memory)
# before it counts the task as lost and puts it back in the queue; Celery's 10 s default also
# delays every shutdown that had to end a busy pool process.
CELERY_WORKER_LOST_WAIT = env.float("CELERY_WORKER_LOST_WAIT", default=1.0)
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule"))
CELERY_TIMEZONE = TIME_ZONE

# --- REST API (see ../shared/API.md) -----------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so an anonymous request is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.api.authentication.ApiTokenAuthentication",  # Authorization: Token <key>; expiry, revocation
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "core.api.filters.SearchFilter",
        "core.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"auth": env("API_AUTH_RATE", default="20/min")},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's default (None) would believe any X-Forwarded-For
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Case management API",
    "DESCRIPTION": "REST API v1: the same services and scoping as the workspace and the portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "core.choices.Channel",
        "ImpactEnum": "cases.choices.Impact",  # urgency uses the same scale
        "CaseCategoryEnum": "cases.choices.CaseCategory",
        "CaseTypeCategoryEnum": "cases.choices.CaseTypeCategory",
        "EventKindEnum": "cases.choices.EventKind",
        "CaseTypeFieldKindEnum": "cases.models.CaseTypeField.Kind",
        "VariableKindEnum": "catalog.choices.VariableKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}

# API tokens (users.ApiToken): each sign-in at POST /api/v1/auth/token/ makes a new token that
# expires this many days later; past API_TOKEN_MAX_PER_USER live tokens, the least recently used
# of that person goes. Changing or resetting a password revokes all of the person's tokens.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
API_TOKEN_MAX_PER_USER = env.int("API_TOKEN_MAX_PER_USER", default=20)
if API_TOKEN_TTL_DAYS < 1 or API_TOKEN_MAX_PER_USER < 1:
    raise ValueError("API_TOKEN_TTL_DAYS and API_TOKEN_MAX_PER_USER are at least 1.")

# --- Product settings (reference section 12) ---------------------------------------------
# A contact relationship may only point inside the contact's account hierarchy unless this is off.
CUSTOMERS_CONTACT_RELATIONSHIP_WITHIN_HIERARCHY = env.bool(
    "CUSTOMERS_CONTACT_RELATIONSHIP_WITHIN_HIERARCHY", default=True
)
# Case attachments: the largest accepted file, and the types accepted (sniffed from content).
ATTACHMENT_MAX_BYTES = env.int("CASE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_TYPES = env.list(
    "CASE_ATTACHMENT_ALLOWED_TYPES",
    default=[
        "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain", "text/csv", "application/json",
    ],
)
# The customer portal: the largest logo accepted (bytes), and how many registration attempts and
# password-reset requests one client address may make per window (cache-based; 0 switches it off).
PORTAL_LOGO_MAX_BYTES = env.int("PORTAL_LOGO_MAX_BYTES", default=512 * 1024)
PORTAL_REGISTRATION_RATE_LIMIT = env.int("PORTAL_REGISTRATION_RATE_LIMIT", default=10)
PORTAL_PASSWORD_RESET_RATE_LIMIT = env.int("PORTAL_PASSWORD_RESET_RATE_LIMIT", default=5)
PORTAL_RATE_WINDOW_SECONDS = env.int("PORTAL_RATE_WINDOW_SECONDS", default=3600)
# Consumer limits (reference 3.1 and 12, "unified consumer"): new cases a consumer may open in
# 24 hours, comments they may add to one case in 24 hours, attachments they may add to one record.
# Enforced in the cases services, so the API (429), the portal (429) and email agree; 0: no limit.
CONSUMER_MAX_NEW_CASES_DAILY = env.int("CONSUMER_MAX_NEW_CASES_DAILY", default=10)
CONSUMER_MAX_COMMENTS_PER_CASE_DAILY = env.int("CONSUMER_MAX_COMMENTS_PER_CASE_DAILY", default=25)
CONSUMER_MAX_ATTACHMENTS_PER_RECORD = env.int("CONSUMER_MAX_ATTACHMENTS_PER_RECORD", default=5)
# Files the customer side (contacts, consumers, partners, senders of inbound mail) may add to one
# case in all (agents' files do not count); 0 = no bound.
CUSTOMER_MAX_ATTACHMENTS_PER_CASE = env.int("CUSTOMER_MAX_ATTACHMENTS_PER_CASE", default=100)
# Routing: seconds an agent has to accept or reject an offered case before it goes to the next agent.
ROUTING_OFFER_TIMEOUT_SECONDS = env.int("ROUTING_OFFER_TIMEOUT_SECONDS", default=120)
# Auto-close of resolved cases (reference 2.2; cases.services.autoclose). On by default here,
# unlike the reference's inactive flow: see docs/architecture.md, "Auto-close".
# The SLA scan commits every SLA_SCAN_BATCH due SLAs (a killed worker loses at most one batch of work, redone next tick).
SLA_SCAN_BATCH = env.int("SLA_SCAN_BATCH", default=200)
AUTO_CLOSE_ENABLED = env.bool("AUTO_CLOSE_ENABLED", default=True)
AUTO_CLOSE_REMINDER_DAYS = env.int("AUTO_CLOSE_REMINDER_DAYS", default=5)
AUTO_CLOSE_DAYS = env.int("AUTO_CLOSE_DAYS", default=10)
# Case lists and dashboards: an open case is "SLA at risk" when its earliest running SLA
# is due within this many minutes; the manager dashboard's figures are cached this many seconds
# (0: computed on every view).
CASE_SLA_AT_RISK_MINUTES = env.int("CASE_SLA_AT_RISK_MINUTES", default=60)
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Lifecycles, SLA definitions, assignment rules and notification templates
# are cached per process (core.refcache); another process sees an admin's change within this many
# seconds (the process that made it, at once). 0: read them from the database every time.
REFERENCE_CACHE_SECONDS = env.int("REFERENCE_CACHE_SECONDS", default=10)
# Python's cyclic garbage collector: the objects loaded at start-up are frozen out of its scans,
# and it runs after 7,000 net allocations instead of 700 (a request allocates tens of thousands
# of short-lived objects, almost none in cycles). Applied by core.apps once Django is set up, in
# every process (web, Celery, commands). "" keeps Python's defaults. See docs/architecture.md.
GC_THRESHOLDS = env("GC_THRESHOLDS", default="7000,10,10")
# Interactions (reference 4 and 12): an open email interaction with no activity for this many days
# is closed complete by the beat; a later reply opens a new interaction linked to it.
INTERACTION_EMAIL_INACTIVITY_DAYS = env.int("INTERACTION_EMAIL_INACTIVITY_DAYS", default=5)
# Inbound mail (reference 3.1 "Email to Case"; interactions.services_mail). Every raw message is
# stored first; one larger than INBOUND_MAIL_MAX_BYTES is kept but quarantined.
INBOUND_MAIL_MAX_BYTES = env.int("INBOUND_MAIL_MAX_BYTES", default=25 * 1024 * 1024)
# Mail from an address that is no active contact or consumer: hold (kept and listed at /mail/held/
# for an agent; ServiceNow's create_case_for_non_matched_user=false), interaction (an email
# interaction with an unidentified sender) or ignore.
INBOUND_MAIL_UNKNOWN_SENDER = env("INBOUND_MAIL_UNKNOWN_SENDER", default="hold")
if INBOUND_MAIL_UNKNOWN_SENDER not in ("hold", "interaction", "ignore"):
    raise ValueError("INBOUND_MAIL_UNKNOWN_SENDER is 'hold', 'interaction' or 'ignore'.")
# A reply to a closed or cancelled case: new_case (a new case whose parent is the closed one) or
# notice (a message telling the sender the case is closed; nothing else is made).
INBOUND_MAIL_CLOSED_CASE = env("INBOUND_MAIL_CLOSED_CASE", default="new_case")
if INBOUND_MAIL_CLOSED_CASE not in ("new_case", "notice"):
    raise ValueError("INBOUND_MAIL_CLOSED_CASE is 'new_case' or 'notice'.")
# At most this many messages are fetched from one mailbox per poll (the next poll takes the rest).
INBOUND_MAIL_POLL_BATCH = env.int("INBOUND_MAIL_POLL_BATCH", default=200)
# A poll holds its mailbox for at most this many seconds (a lease, so a killed worker's poll does
# not block the mailbox forever).
INBOUND_MAIL_POLL_LEASE_SECONDS = env.int("INBOUND_MAIL_POLL_LEASE_SECONDS", default=600)
# The demo data's maildir mailbox (manage.py seed_demo).
INBOUND_MAIL_DEMO_MAILDIR = Path(env("INBOUND_MAIL_DEMO_MAILDIR", default=str(BASE_DIR / "var" / "mail" / "demo-support")))
# IMAP connection timeout, seconds.
INBOUND_MAIL_IMAP_TIMEOUT = env.int("INBOUND_MAIL_IMAP_TIMEOUT", default=60)
# Bounds on one inbound message, so that no message holds the worker for long (issue 14): a
# message with more MIME parts, nested deeper, or with a header (of the message or of a part)
# longer than these is quarantined unread; at most INBOUND_MAIL_MAX_ATTACHMENTS files of one
# message are read and attached (the rest are refused, counted in one work note on the case).
INBOUND_MAIL_MAX_PARTS = env.int("INBOUND_MAIL_MAX_PARTS", default=5000)
INBOUND_MAIL_MAX_DEPTH = env.int("INBOUND_MAIL_MAX_DEPTH", default=20)
INBOUND_MAIL_MAX_HEADER_BYTES = env.int("INBOUND_MAIL_MAX_HEADER_BYTES", default=16 * 1024)
INBOUND_MAIL_MAX_ATTACHMENTS = env.int("INBOUND_MAIL_MAX_ATTACHMENTS", default=20)
# /healthz/ reports mail as "failing" when a mailbox's last poll failed, or when a message is
# still waiting to be processed this many seconds after it was stored.
INBOUND_MAIL_STUCK_AFTER_SECONDS = env.int("INBOUND_MAIL_STUCK_AFTER_SECONDS", default=900)
# Seconds without a worker heartbeat after which /healthz/ reports the worker as missing.
WORKER_HEARTBEAT_STALE_AFTER = env.int("WORKER_HEARTBEAT_STALE_AFTER", default=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes: failed sign-ins and lock-outs are WARNINGs; its INFO lines (every good sign-in) are noise.
    "loggers": {"axes": {"level": env("LOGIN_LOG_LEVEL", default="WARNING")}},
}
