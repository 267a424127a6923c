"""Settings of the stock floor (bench/README.md, "The stock floor"): stock Django, stock
middleware, stock `auth.User`, DRF with `rest_framework.authtoken`; no product app, no product
middleware. Its own database: STOCK_DATABASE_URL, default DATABASE_URL with `_stock` appended to
the database name (`bench` -> `bench_stock`). PostgreSQL only."""
import os

import environ

from bench.stock.dburl import stock_database_url

DEBUG = bool(os.environ.get("STOCK_DEBUG"))
SECRET_KEY = os.environ.get("STOCK_SECRET_KEY", "stock-floor-bench-only-not-a-secret")
ALLOWED_HOSTS = ["*"]  # a bench server on a private port; the test client's "testserver" too
ROOT_URLCONF = "bench.stock.urls"
WSGI_APPLICATION = "bench.stock.wsgi.application"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "bench.stock.floor",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]

DATABASES = {"default": environ.Env.db_url_config(stock_database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's default hashers, plus MD5 last so that the hashes the product's test settings write
# (MD5, for speed) still verify after the seed copied them; new hashes are PBKDF2 as stock.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "bench.stock.floor.pagination.CappedPagination",
    "PAGE_SIZE": 25,
}
