"""SoA entries name the risks of the register that they treat (assessments.Risk)."""

import pytest

from controls import services
from controls.models import SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def link(lead, risk, ref="A.6.2.6"):
    entry = SoAEntry.objects.get(control__ref=ref)
    return services.soa_entry_update(
        entry,
        actor=lead,
        data={
            "applicability": "applicable",
            "justification": "Drift is a top risk.",
            "risks": [risk],
        },
        expected_version=entry.version,
        reason="Link risk",
    )


def test_a_risk_lists_the_soa_entries_that_treat_it(lead):
    risk = factories.risk(lead, title="Model drift goes unnoticed")
    entry = link(lead, risk)
    assert list(risk.soa_entries.all()) == [entry]


def test_linked_risks_are_frozen_into_the_revision(lead, executive):
    risk = factories.risk(lead, title="Model drift goes unnoticed")
    link(lead, risk)
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive)
    row = next(r for r in revision.entries if r["ref"] == "A.6.2.6")
    assert row["risks"] == [f"{risk.reference} Model drift goes unnoticed"]


def test_the_entry_page_and_the_soa_page_show_the_risk(client_for, lead):
    risk = factories.risk(lead, title="Model drift goes unnoticed")
    entry = link(lead, risk)
    assert risk.reference in client_for(lead).get(entry.get_absolute_url()).content.decode()
    assert "Model drift goes unnoticed" in client_for(lead).get("/controls/soa/").content.decode()
