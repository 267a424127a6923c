import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-test-key-" + "y" * 30,
        "DJANGO_ALLOWED_HOSTS": "support.example.com",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests in this process, never in production
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def _production_database_and_cache(**environment) -> dict:
    """DATABASES["default"] and CACHES["default"] as the production settings build them from this
    environment (a fresh interpreter: settings are read once per process)."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_CONN_MAX_AGE", "REDIS_URL", "DATABASE_URL")},
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://casedesk@db.example.com:5432/casedesk",
        **environment,
    }
    code = ("import json; from config.settings import production as s; "
            "print(json.dumps({'db': {k: s.DATABASES['default'][k] for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')},"
            " 'cache': s.CACHES['default']}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_database_connections_by_default():
    assert _production_database_and_cache()["db"] == {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}


def test_production_connection_age_comes_from_the_environment():
    assert _production_database_and_cache(DATABASE_CONN_MAX_AGE="0")["db"]["CONN_MAX_AGE"] == 0
    assert _production_database_and_cache(DATABASE_CONN_MAX_AGE="300")["db"]["CONN_MAX_AGE"] == 300


def test_production_caches_in_redis_when_redis_url_is_set():
    cache = _production_database_and_cache(REDIS_URL="redis://redis.example.com:6379/1")["cache"]
    assert cache == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://redis.example.com:6379/1"}
    assert _production_database_and_cache()["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
