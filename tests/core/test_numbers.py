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
    numbers = list(Account.objects.values_list("number", flat=True))
    assert len(numbers) == 100 and len(set(numbers)) == 100


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
