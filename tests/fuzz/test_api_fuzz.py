"""Schema-driven fuzzing of the whole REST API (schemathesis): every operation of the OpenAPI
schema, as an admin, an agent and a customer (token auth), against the app in process (WSGI) on
the demo data. Checks: no 5xx, every status code documented, the content type and the body as the
schema says. Issue 14 found 26 answers of 500 this way.

Bounded, in rounds over all operations: the first gives every operation two examples (one valid
input, one invalid) whatever the time; each further round four more (half invalid), while the
persona's FUZZ_SECONDS last, up to FUZZ_MAX_EXAMPLES per operation. Seeded by round: the same
examples every run, so a red build is reproducible. Each example runs in a savepoint that is rolled back, so every one starts from
the demo data as seeded (an admin's example that deactivates the admin does not end the run).
Path ids are drawn from the records the persona can list, and case actions from the lifecycles, so
most examples reach a real record and a real command rather than a 404.

Run alone with the figures: `DATABASE_URL=postgres://... pytest -p no:xdist tests/fuzz -s`;
FUZZ_SECONDS=600 FUZZ_MAX_EXAMPLES=100 for a longer hunt."""
import io
import os
import re
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from core.refcache import reference_clear_all

pytestmark = [pytest.mark.services, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "12"))  # per operation and persona, at most
SECONDS = float(os.environ.get("FUZZ_SECONDS", "60"))  # per persona, after which no new round starts
FIRST_ROUND, ROUND = 2, 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PERSONAS = {"admin": "admin", "agent": "alice", "customer": "dana"}  # seed_demo's logins
PASSWORD = "demo1234"
ID_PARAMETER = re.compile(r"^(?P<collection>/api/v1/[^{}]+?/)\{(?P<name>id)\}/")


@dataclass
class Figures:
    operations: int = 0
    examples: int = 0
    failures: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    unsatisfiable: set = field(default_factory=set)


@pytest.fixture
def demo(no_world):
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def wsgi_app(demo):
    """Django's WSGI handler, keeping the database connection open around each request (as
    Django's test client does): the test's transaction and the demo data live on that connection."""
    handler = get_wsgi_application()

    def app(environ, start_response):
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = b"".join(response)
            response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)
        return [body]

    return app


def _token(username: str) -> str:
    response = Client().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _lifecycle_actions() -> list[str]:
    """The actions of the installed lifecycles, for `POST /cases/{id}/{action_name}/`."""
    from cases.models import LifecycleTransition

    return sorted(set(LifecycleTransition.objects.values_list("action", flat=True))) or ["resolve"]


def _known_ids(schema, headers) -> dict[str, list]:
    """The ids of every collection the persona can list (first page), by collection path."""
    client = Client(headers=headers)
    known = {}
    for path in schema.raw_schema["paths"]:
        if "{" in path or "get" not in schema.raw_schema["paths"][path]:
            continue
        response = client.get(path)
        body = response.json() if response.status_code == 200 else None
        rows = body.get("results") if isinstance(body, dict) else body
        if isinstance(rows, list):
            known[path] = [row["id"] for row in rows if isinstance(row, dict) and "id" in row]
    return known


def _run_operation(operation, headers, known, actions, figures, *, examples: int, round_: int) -> None:
    """`examples` examples of one operation, half of them invalid input, seeded by the round (the
    same examples every run; new ones each round)."""
    match = ID_PARAMETER.match(operation.path)
    ids = known.get(match["collection"], []) if match else []
    label = f"{operation.method.upper()} {operation.path}"
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        if (label, mode) in figures.unsatisfiable or label in figures.failing:
            continue

        @seed(round_)
        @settings(
            max_examples=max(1, examples // 2), deadline=None, database=None,
            suppress_health_check=list(HealthCheck),
            # the schema's own examples once; no shrinking: a failure is reported as found
            phases=[Phase.explicit, Phase.generate] if round_ == 0 else [Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode), pick=st.integers(min_value=0, max_value=3))
        def example(case, pick):
            if ids and pick < 3 and case.path_parameters is not None and "id" in case.path_parameters:
                case.path_parameters["id"] = ids[pick % len(ids)]
            if pick < 3 and case.path_parameters and "action_name" in case.path_parameters:
                case.path_parameters["action_name"] = actions[(pick + round_) % len(actions)]
            figures.examples += 1
            with transaction.atomic():
                try:
                    case.call_and_validate(headers=headers, checks=CHECKS)
                finally:
                    transaction.set_rollback(True)
                    reference_clear_all()

        try:
            example()
        except Unsatisfiable:
            figures.unsatisfiable.add((label, mode))  # no invalid input exists (e.g. only an integer id)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - schemathesis raises exception groups; all are reported below
            figures.failing.add(label)
            figures.failures.append(f"{label} ({mode.value}):\n{exc}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_conforms_to_its_schema_under_fuzzing(persona, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Token {_token(PERSONAS[persona])}"}
    known = _known_ids(schema, headers)
    actions = _lifecycle_actions()
    operations = [result.ok() for result in schema.get_all_operations()]
    figures = Figures(operations=len(operations))
    started = time.monotonic()
    # Round 0 gives every operation FIRST_ROUND examples whatever the time; later rounds add
    # ROUND examples each while the time bound allows, up to MAX_EXAMPLES per operation.
    done, round_ = 0, 0
    while done < MAX_EXAMPLES and (round_ == 0 or time.monotonic() - started < SECONDS):
        size = min(FIRST_ROUND if round_ == 0 else ROUND, MAX_EXAMPLES - done)
        for operation in operations:
            if round_ and time.monotonic() - started >= SECONDS:
                break
            _run_operation(operation, headers, known, actions, figures, examples=size, round_=round_)
        done, round_ = done + size, round_ + 1
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz {persona}: {figures.operations} operations, {figures.examples} examples in {round_} rounds, "
        f"{elapsed:.0f} s, {len(figures.failing)} failing operations"
    )
    assert not figures.failures, "\n\n".join(figures.failures)
