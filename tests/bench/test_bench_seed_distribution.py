"""The bench seed's customer side looks like a live system: contacts with 1 to 500 cases each,
skewed and the same for a given seed; recent cases at the top of the recency order are mostly
active, closed ones older; hierarchies, partners and consumers with logins; every bench login
signs in with the bench password."""
import random
import statistics

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count

from bench.customer_side import (
    ADMIN_USERNAME,
    CONSUMER_CASES,
    CONSUMER_USERNAME,
    HIERARCHIES,
    OTHER_CONSUMERS,
    PARTNER_USERNAME,
    PARTNERS,
    bench_personas,
    seed_customer_side,
)
from bench.seed import BENCH_PASSWORD, apportion, contact_quotas, seed
from cases import selectors
from cases.models import Case
from customers.models import Account, Consumer, Contact
from users.models import User


def test_contact_quotas_are_skewed_from_1_to_500_and_the_same_for_a_seed():
    quotas = contact_quotas(random.Random(42), 200_000)
    assert sum(quotas) == 200_000
    assert min(quotas) >= 1 and max(quotas) == 500
    assert statistics.median(quotas) <= 12  # most contacts have a few
    top = sorted(quotas, reverse=True)[: len(quotas) // 10]
    assert sum(top) > 0.4 * 200_000  # a long tail: the biggest tenth holds a large share
    assert quotas == contact_quotas(random.Random(42), 200_000)
    assert quotas != contact_quotas(random.Random(7), 200_000)


def test_a_small_seed_keeps_enough_contacts_and_apportion_is_exact():
    quotas = contact_quotas(random.Random(1), 300, minimum=60)
    assert len(quotas) >= 60 and sum(quotas) == 300 and max(quotas) <= 500
    assert apportion(10, [1, 1, 1]) in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    assert apportion(0, [5, 5]) == [0, 0]


@pytest.mark.django_db
def test_seeded_states_follow_age_and_every_persona_is_seeded_with_the_bench_password():
    seed(cases=2_000, journal=1, probe_journal=1)
    seed_customer_side()
    cases = list(Case.objects.order_by("-updated_at").values_list("state_category", "opened_at", "updated_at"))
    recent = cases[: len(cases) // 10]
    assert sum(1 for category, *_ in recent if category not in ("closed", "cancelled")) > 0.7 * len(recent)
    oldest = cases[-len(cases) // 10:]
    assert sum(1 for category, *_ in oldest if category in ("closed", "cancelled")) > 0.9 * len(oldest)
    assert all(opened <= updated for _, opened, updated in cases)

    held = sorted(Contact.objects.filter(account__name__startswith="Bench account ").annotate(n=Count("cases"))
                  .values_list("n", flat=True))
    assert max(held) <= 500 and statistics.median(held) < max(held)

    names = bench_personas()
    assert set(names) == {"median_contact", "biggest_contact", "customer_admin", "partner", "consumer"}
    median_n = Case.objects.filter(contact__user__username=names["median_contact"]).count()
    biggest_n = Case.objects.filter(contact__user__username=names["biggest_contact"]).count()
    assert 1 <= median_n < biggest_n

    admins = [User.objects.get(username=username) for username, _ in HIERARCHIES]
    admin_scopes = [selectors.case_list_for_user(user=admin).count() for admin in admins]
    assert all(n > 0 for n in admin_scopes)
    root = Account.objects.get(contacts__user__username=ADMIN_USERNAME)  # the admin is the root's first contact
    depth = max(a.path.count("/") - 1 for a in Account.objects.filter(path__startswith=root.path))
    assert depth == 3  # three levels under bench_customer_admin
    for username, _ in PARTNERS:
        partner = User.objects.get(username=username)
        assert selectors.case_list_for_user(user=partner).exists()
    assert Account.objects.filter(relationships_in__from_account__name="Bench partner").count() >= 7
    assert Case.objects.filter(consumer__user__username=CONSUMER_USERNAME).count() == CONSUMER_CASES
    assert Consumer.objects.filter(user__username__startswith=CONSUMER_USERNAME).count() == 1 + OTHER_CONSUMERS

    for username in ["bench_agent_1_1", names["median_contact"], ADMIN_USERNAME, PARTNER_USERNAME, CONSUMER_USERNAME,
                     f"{CONSUMER_USERNAME}_2", HIERARCHIES[1][0]]:
        assert authenticate(username=username, password=BENCH_PASSWORD) is not None, username
    hashes = set(User.objects.filter(username__startswith="bench_").values_list("password", flat=True))
    assert len(hashes) == 1  # one make_password, written to all
