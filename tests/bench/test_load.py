"""The load tests of the production stack (bench/load) run in `make test-services`:
- the demo mode: gunicorn with the production settings on a PostgreSQL database of its own, 8
  clients over agent and customer lists and case creations, zero errors, p50/p95 reported;
- the bench-database mode at small scale: a database seeded like the bench one (300 cases,
  customer side), customers and agents signed in through the form against the product and the
  stock floor, zero errors, the database kept."""
import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench import load
from bench.load import seeded

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


def _own_database(name: str) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("the load test runs against PostgreSQL (make test-services)")
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(server._replace(path=f"/{name}_{os.getpid()}"))  # xdist workers share the server


def test_the_production_stack_serves_8_clients_without_an_error(tmp_path, capsys):
    url = _own_database("casedesk_load_deploy")
    out = tmp_path / "load.json"
    code = load.main(["--database-url", url, "--clients", "8", "--requests", "1200", "--time-limit", "90",
                      "--extra-cases", "500", "--workers", "4", "--json", str(out)])
    report = capsys.readouterr().out
    assert code == 0, report[-4000:]
    result = json.loads(out.read_text())
    assert result["errors"] == 0 and result["smoke_problems"] == []
    assert result["requests"] >= 300, f"too few requests within the time limit:\n{report[-2000:]}"
    assert set(result["by_kind"]) == set(load.MIX)
    assert all(row["p95_ms"] >= row["p50_ms"] > 0 for row in result["by_kind"].values())


def test_the_demo_mode_refuses_to_drop_a_database_not_named_for_it():
    with pytest.raises(SystemExit, match="refusing to drop"):
        load.main(["--database-url", "postgres://postgres@127.0.0.1:5432/bench", "--clients", "1"])


def _admin(url: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))


def _give_bench_logins_the_password(url: str) -> None:
    """What bench_seed does for the bench logins (the password `bench-password`), for a seed that
    predates it: one PBKDF2 hash (the production settings' hasher) written to all of them."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    encoded = PBKDF2PasswordHasher().encode(seeded.PASSWORD, PBKDF2PasswordHasher().salt())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE users_user SET password = %s WHERE username LIKE 'bench\\_%%'", [encoded])


@pytest.fixture
def seeded_bench_database():
    url = _own_database("casedesk_load_bench")
    stock = seeded.stock_database_url(url)
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin(url), autocommit=True) as conn:
        for database in (name, f"{name}_stock"):
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "False"}
    env.pop("STOCK_DATABASE_URL", None)
    try:
        for command in (["manage.py", "migrate", "-v", "0"],
                        ["manage.py", "bench_seed", "--cases", "300", "--journal", "1", "--customer-side"]):
            run = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            assert run.returncode == 0, run.stdout + run.stderr
        _give_bench_logins_the_password(url)
        run = subprocess.run([sys.executable, "-m", "bench.stock", "seed"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        yield url, stock
    finally:
        with psycopg.connect(_admin(url), autocommit=True) as conn:
            for database in (name, f"{name}_stock"):
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_customers_and_agents_on_a_seeded_database_against_the_product_and_the_floor(seeded_bench_database, tmp_path,
                                                                                     capsys):
    url, _ = seeded_bench_database
    with psycopg.connect(url) as conn:
        events_before = conn.execute("SELECT count(*) FROM cases_caseevent").fetchone()[0]
    out = tmp_path / "load.json"
    code = load.main(["--database-url", url, "--customers", "10", "--agents", "3", "--target", "both",
                      "--duration", "6", "--warmup", "1", "--rounds", "2", "--workers", "2", "--json", str(out)])
    report = capsys.readouterr().out
    assert code == 0, report[-4000:]
    result = json.loads(out.read_text())
    product, stock = result["targets"]["product"], result["targets"]["stock"]
    for target in (product, stock):
        assert target["errors"] == 0 and target["requests"] >= 10, report[-3000:]
        assert target["overall"]["p99_ms"] >= target["overall"]["p95_ms"] >= target["overall"]["p50_ms"] > 0
        assert target["sign_in"]["count"] == 13 * 3  # the form (GET, POST) and a token, everybody
    assert set(product["by_kind"]) <= set(seeded.CUSTOMER_MIX) | set(seeded.AGENT_MIX)
    assert {"customer_my_cases", "agent_record_page"} <= set(product["by_kind"])
    assert "production" in product["server"] and "bench.stock" in stock["server"]
    # The production settings keep each worker's database connection: none, or one per worker at
    # most, opened while counted (closing after each request opens one per request).
    assert product["database_sessions_opened"] is not None and product["database_sessions_opened"] <= 2
    assert set(result["ratios"]["overall"]) == {"throughput", "p95"}
    assert result["meta"]["rounds"] == 2 and len(product["load_averages"]) == len(stock["load_averages"]) == 4
    assert [p["username"] for p in result["meta"]["people"][:3]] == ["bench_customer_admin", "bench_partner",
                                                                     "bench_consumer"]
    with psycopg.connect(url) as conn:  # kept, and written to as people would
        assert conn.execute("SELECT count(*) FROM cases_caseevent").fetchone()[0] > events_before
