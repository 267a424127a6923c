"""bench_seed --customer-side and bench_customer_side work end to end on a tiny data set: every
persona has a login and cases, every page answers, and the query counts do not grow with the data."""
import pytest
from django.core.management import call_command

from bench.customer_side import PAGES, personas, run, seed_customer_side, table
from bench.seed import seed
from cases import selectors
from customers.models import Account, Contact

pytestmark = pytest.mark.django_db


def test_the_customer_side_is_seeded_and_measured_with_constant_query_counts():
    seed(cases=300, journal=1, probe_journal=1)
    seed_customer_side()
    assert not Contact.objects.filter(account__name__startswith="Bench account ", user__isnull=True).exists()
    people = personas()
    admin_sees = selectors.case_list_for_user(user=people["customer_admin"]).count()
    assert admin_sees > selectors.case_list_for_user(user=people["contact"]).count() > 0
    partner_sees = selectors.case_list_for_user(user=people["partner"])
    related = set(Account.objects.filter(relationships_in__from_account__name="Bench partner").values_list("pk", flat=True))
    assert partner_sees.exists() and set(partner_sees.values_list("account_id", flat=True)) <= related
    assert selectors.case_list_for_user(user=people["consumer"]).exists()
    small = run(iterations=1)
    seed(cases=300, journal=1, probe_journal=1)
    call_command("bench_seed", cases=0, customer_side=True)  # idempotent: nothing new to add
    large = run(iterations=1)
    assert large["cases"] > small["cases"] + 250
    assert {(r["persona"], r["page"]) for r in small["rows"]} == {(p, page) for p in people for page in PAGES}
    for before, after in zip(small["rows"], large["rows"], strict=True):
        assert after["queries"] == before["queries"], after
    assert "| customer_admin | my_cases |" in table(large)
