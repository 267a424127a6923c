"""The bounded load test of the production stack (bench/load.py) runs in `make test-services`:
gunicorn with the production settings on a PostgreSQL database of its own, 8 clients over agent
and customer lists and case creations, zero errors, p50/p95 reported."""
import json
import os
import urllib.parse

import pytest
from django.db import connection

from bench import load

pytestmark = pytest.mark.services


def test_the_production_stack_serves_8_clients_without_an_error(tmp_path, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the load test runs against PostgreSQL (make test-services)")
    server = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    database = f"casedesk_load_deploy_{os.getpid()}"  # xdist workers and other runs share the server
    url = urllib.parse.urlunsplit(server._replace(path=f"/{database}"))
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
