"""The persona matrix: every endpoint and page of the product runs through it.

    @persona_matrix(anonymous=401, other_customer=404, customer=200, customer_admin=200,
                    partner=200, agent=200, manager=200, admin=200)
    def test_account_detail(persona, expected, api_as, world):
        assert_status(api_as(persona).get(url), expected)

Every persona must be named, so adding an endpoint forces a decision for each of them.
The world behind the personas is built in tests/conftest.py (`world`).
"""
import pytest

PERSONAS = (
    "anonymous",        # not signed in
    "other_customer",   # contact of another account (Globex)
    "customer",         # contact of the account under test (Acme)
    "customer_admin",   # contact of Acme, customer admin of Acme (and so of Acme Europe)
    "partner",          # contact of a partner account related to Acme
    "agent",            # internal, member of the Tier 1 group
    "manager",          # internal, manager of Tier 1
    "admin",            # internal, the admin role (staff)
)
EXTERNAL = ("other_customer", "customer", "customer_admin", "partner")
INTERNAL = ("agent", "manager", "admin")


def persona_matrix(**expected: int):
    missing = [p for p in PERSONAS if p not in expected]
    unknown = [p for p in expected if p not in PERSONAS]
    if missing or unknown:
        raise TypeError(f"persona_matrix needs every persona; missing {missing}, unknown {unknown}")
    return pytest.mark.parametrize(
        ("persona", "expected"), [pytest.param(p, expected[p], id=p) for p in PERSONAS]
    )


def matrix(*, anonymous: int = 401, external: int | dict = 404, internal: int | dict = 200, **overrides: int):
    """Shorthand: one status for all external and one for all internal personas, then overrides."""
    expected = {"anonymous": anonymous}
    expected.update({p: external for p in EXTERNAL})
    expected.update({p: internal for p in INTERNAL})
    expected.update(overrides)
    return persona_matrix(**expected)


def assert_status(response, expected: int) -> None:
    if response.status_code == expected:
        return
    streaming = getattr(response, "streaming", False)
    body = getattr(response, "data", None) or (b"<stream>" if streaming else response.content[:500])
    raise AssertionError(f"{response.status_code} != {expected}: {body!r}")
