"""History written before the ledger existed is adopted once, never after a checkpoint."""

import io

import pytest
from django.core.management import CommandError, call_command

from integrity import services
from integrity.models import LedgerEntry

from . import factories

pytestmark = pytest.mark.django_db


def test_adopting_chains_history_that_has_no_entry(lead, make_user):
    make_user(username="second")
    LedgerEntry.objects.all().delete()  # as on a database from before the ledger
    assert services.chain_check().problems
    out = io.StringIO()
    call_command("ledger_adopt", stdout=out)
    assert "Adopted" in out.getvalue()
    assert factories.checked_ledger().problems == []


def test_adopting_is_refused_after_a_checkpoint(lead):
    services.checkpoint_create()
    with pytest.raises(CommandError, match="tampering to report"):
        call_command("ledger_adopt")
