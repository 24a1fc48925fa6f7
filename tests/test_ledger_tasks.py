"""The scheduled tasks (Celery beat): periodic verification records its outcome, and a
tampering found by it shows on the dashboard card."""

import pytest
from django.db import connection

from aims_portal.models import User
from integrity import tasks
from integrity.models import VerificationRun

pytestmark = pytest.mark.django_db


def test_scheduled_verification_records_an_intact_run(lead):
    assert tasks.checkpoint() is not None
    assert tasks.verify_ledger() == "ok"
    run = VerificationRun.objects.get()
    assert run.triggered_by is None and run.entries_checked >= 1


def test_scheduled_verification_failure_shows_on_the_dashboard(client_for, lead, auditor):
    table = User.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET email = 'forged@example.test'")
    assert tasks.verify_ledger() == "failed"
    html = client_for(auditor).get("/").content.decode()
    assert "Problems at the last verification" in html
    assert "text-bg-danger" in html


def test_scheduled_checkpoint_does_nothing_on_an_empty_ledger(db):
    from integrity.models import LedgerEntry

    LedgerEntry.objects.all().delete()
    assert tasks.checkpoint() is None
