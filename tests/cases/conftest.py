import pytest

from cases import services


@pytest.fixture
def open_case(world):
    """Dana's case at Acme, queued for Tier 1 (state new)."""
    return services.case_create(
        actor=world.users["customer"], short_description="Printer on fire", description="Smoke everywhere"
    )


def act(world, persona, case, action, **inputs):
    return services.case_act(actor=world.users[persona], case=case, action=action, **inputs)


def run_followups() -> int:
    """Run the after-commit follow-ups of case changes now (the "case opened" mail), as the task
    queued on commit would: the tests' transactions never commit, so it is never queued."""
    import datetime

    from cases.services.followups import case_followups_run_due

    return case_followups_run_due(grace=datetime.timedelta(0))
