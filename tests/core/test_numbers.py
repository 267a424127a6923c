import threading

import pytest
from django.db import connection, connections

from core.numbers import number_next
from customers import services
from customers.models import Account


@pytest.mark.django_db
def test_numbers_are_prefixed_padded_and_increasing():
    first, second = number_next("ACC"), number_next("ACC")
    assert first.startswith("ACC") and len(first) == 10
    assert int(second[3:]) == int(first[3:]) + 1


@pytest.mark.django_db
def test_each_prefix_counts_on_its_own():
    acc = number_next("ACC")
    assert number_next("CNTR").startswith("CNTR")
    assert int(number_next("ACC")[3:]) == int(acc[3:]) + 1


@pytest.mark.django_db
def test_bad_prefix_is_refused():
    with pytest.raises(ValueError):
        number_next("acc; drop table")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_account_creation_never_duplicates_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers")
    errors = []

    def create(worker: int) -> None:
        try:
            for i in range(25):
                services.account_create(actor=None, name=f"Concurrent {worker}-{i}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(Account.objects.filter(name__startswith="Concurrent ").values_list("number", flat=True))
    assert len(numbers) == 100 and len(set(Account.objects.values_list("number", flat=True))) == Account.objects.count()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_new_prefix_gets_its_sequence_even_when_processes_race():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    numbers, errors = [], []

    def take() -> None:
        try:
            numbers.append(number_next("RACE"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE IF EXISTS number_seq_race")
    assert errors == [] and len(set(numbers)) == 8


@pytest.mark.django_db
def test_a_case_number_made_by_its_insert_is_on_the_instance_and_continues_the_sequence(world):
    """On PostgreSQL the number is nextval in the case's own INSERT (no query before it) and the
    INSERT returns it; elsewhere it is made before. Either way: the next number of the sequence."""
    from django.test.utils import CaptureQueriesContext

    from cases import services as case_services
    from cases.models import Case

    before = int(number_next("CS")[2:])
    with CaptureQueriesContext(connection) as queries:
        case = case_services.case_create(actor=world.user("agent"), short_description="Numbered",
                                         contact=world.contacts["customer"])
    assert case.number == f"CS{before + 1:07d}" == Case.objects.get(pk=case.pk).number
    if connection.vendor == "postgresql":
        assert not [q for q in queries.captured_queries if "nextval" in q["sql"] and "INSERT" not in q["sql"]]


@pytest.mark.django_db
def test_a_number_made_in_the_insert_is_padded_and_never_cut(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the INSERT makes numbers on PostgreSQL only")
    from core import numbers

    monkeypatch.setattr(numbers, "KNOWN_PREFIXES", (*numbers.KNOWN_PREFIXES, "WIDE"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE number_seq_wide")
        try:
            made = []
            for value in (1, 9999999, 12345678):
                cursor.execute("SELECT setval('number_seq_wide', %s, false)", [value])
                expression = numbers.number_for_insert("WIDE")
                cursor.execute(f"SELECT {expression.sql}", expression.params)
                made.append(cursor.fetchone()[0])
        finally:
            cursor.execute("DROP SEQUENCE number_seq_wide")
    assert made == ["WIDE0000001", "WIDE9999999", "WIDE12345678"]
