"""Every history row is chained in the ledger as it is written, and the chain verifies."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal.models import User
from aims_portal.services import record_update
from integrity import services
from integrity.canonical import canonical_instance
from integrity.models import LedgerEntry
from integrity.verify_bundle import GENESIS, content_hash, entry_hash
from registry.models import Supplier

from . import factories

pytestmark = pytest.mark.django_db


def test_saving_a_record_appends_an_entry_covering_its_history_row(lead):
    before = LedgerEntry.objects.count()
    supplier = factories.supplier(lead, name="Northwind Models")
    history_row = supplier.history.get()
    entry = LedgerEntry.objects.get(
        covered_model="registry.historicalsupplier", covered_id=history_row.history_id
    )
    assert LedgerEntry.objects.count() == before + 1
    assert entry.kind == "history"
    assert entry.content_hash == content_hash(canonical_instance(history_row))


def test_entries_link_each_to_the_previous_one(lead):
    factories.supplier(lead)
    factories.supplier(lead)
    entries = list(LedgerEntry.objects.order_by("sequence"))
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    for e in entries:
        expected = entry_hash(e.prev_hash, e.kind, e.covered_model, e.covered_id, e.content_hash)
        assert e.entry_hash == expected


def test_untouched_chain_verifies(lead):
    supplier = factories.supplier(lead)
    record_update(
        supplier, actor=lead, data={"services": "Embeddings"}, expected_version=1, reason="More"
    )
    checker = factories.checked_ledger()
    assert checker.problems == []
    assert checker.entries == LedgerEntry.objects.count()
    assert checker.rows_checked == checker.entries


def test_append_covers_any_saved_row(lead):
    sequence, digest = services.append("attestation", lead)
    entry = LedgerEntry.objects.get(sequence=sequence)
    assert (entry.covered_model, entry.covered_id) == ("aims_portal.user", lead.pk)
    assert entry.entry_hash == digest
    assert factories.checked_ledger().problems == []


def test_the_hook_costs_three_queries_per_append(lead):
    user = User.objects.get(pk=lead.pk)
    with CaptureQueriesContext(connection) as with_ledger:
        user.first_name = "Changed"
        user.save()
    ledger_sql = [q["sql"] for q in with_ledger if LedgerEntry._meta.db_table in q["sql"]]
    # For each of the two appends (the user's version, then the version's group link row,
    # since roles are versioned): read head, read the tree's right edge, insert.
    assert len(ledger_sql) == 6
    # Save, version, link rows, then the two appends (plus two advisory locks on PostgreSQL).
    assert len(with_ledger) <= 13


def test_history_rows_keep_verifying_after_a_reload(lead):
    # Values are hashed as saved; reading them back from the database gives the same hash.
    supplier = factories.supplier(lead, name="Ünïcode & <escaped> supplier")
    row = Supplier.history.model.objects.get(history_id=supplier.history.get().history_id)
    entry = LedgerEntry.objects.get(covered_id=row.history_id, covered_model=row._meta.label_lower)
    assert entry.content_hash == content_hash(canonical_instance(row))


@pytest.mark.django_db(transaction=True)
def test_a_save_its_history_row_and_its_entry_commit_together(monkeypatch):
    # Outside any transaction (autocommit), a failed ledger append must undo the save and
    # its history row: nothing may be left that the chain does not cover.
    user = User.objects.create_user("atomic-save", password="x" * 16)
    rows, entries = user.history.count(), LedgerEntry.objects.count()

    def broken_append(*args, **kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(services, "append", broken_append)
    user.first_name = "Never stored"
    with pytest.raises(RuntimeError):
        user.save()
    assert User.objects.get(pk=user.pk).first_name == ""
    assert user.history.count() == rows
    assert LedgerEntry.objects.count() == entries
    monkeypatch.undo()
    assert factories.checked_ledger().problems == []
