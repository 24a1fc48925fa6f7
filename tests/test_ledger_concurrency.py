"""Concurrent writers on PostgreSQL never fork or gap the chain: 8 threads, each with its own
database connection, save 500 times each; the ledger ends as one chain that verifies."""

import threading

import pytest
from django.db import connection, connections, transaction

from aims_portal.models import User
from integrity import selectors
from integrity.models import LedgerEntry

from . import factories
from .conftest import require_service

WRITERS, SAVES = 8, 500

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def write(user_pk, errors):
    try:
        user = User.objects.get(pk=user_pk)
        for i in range(SAVES):
            with transaction.atomic():
                user.first_name = f"Writer {user_pk} save {i}"
                user.save()
    except Exception as error:  # reported by the test, not swallowed
        errors.append(error)
    finally:
        connections.close_all()


def test_eight_concurrent_writers_leave_one_verifying_chain(make_user):
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point to PostgreSQL")
    users = [make_user(username=f"writer{i}") for i in range(WRITERS)]
    before = LedgerEntry.objects.count()
    errors = []
    threads = [threading.Thread(target=write, args=(u.pk, errors)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = list(LedgerEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert len(sequences) == before + WRITERS * SAVES
    assert sequences == list(range(1, len(sequences) + 1))
    history_rows = sum(m.objects.count() for m in selectors.historical_models())
    assert len(sequences) == history_rows
    checker = factories.checked_ledger()
    assert checker.problems == []
    assert checker.entries == history_rows
