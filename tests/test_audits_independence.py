"""Auditor independence: no one audits a scope in which they own records; the message names
what they own, and nothing is saved."""

import pytest
from django.core.exceptions import ValidationError

from aims_portal import roles
from audits import services
from audits.models import Audit
from controls import services as controls
from controls.models import SoAEntry

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def give_entry(lead, ref, owner):
    entry = SoAEntry.objects.get(control__ref=ref)
    return controls.soa_entry_update(
        entry, actor=lead, data={"owner": owner}, expected_version=entry.version, reason="Owner"
    )


def test_an_auditor_who_owns_an_audited_soa_entry_is_refused(lead, ia):
    give_entry(lead, "A.6.2.4", ia)
    with pytest.raises(ValidationError) as error:
        factories.audit(lead, ia, controls=("A.6.2.4",))
    message = " ".join(error.value.message_dict["auditors"])
    assert f"{ia} cannot audit this scope: they own SoA entry A.6.2.4." == message
    assert not Audit.objects.exists()


def test_an_auditor_who_owns_a_system_in_scope_is_refused(lead, ia, ia2):
    system = factories.ai_system(lead, owner=ia2, slug="support-bot")
    with pytest.raises(ValidationError, match="AI system support-bot"):
        factories.audit(lead, ia, auditors=[ia2], systems=[system])
    assert factories.audit(lead, ia, systems=[system]).systems.get() == system


def test_owning_a_risk_tied_to_the_scope_counts(lead, ia):
    system = factories.ai_system(lead)
    risk = factories.risk(lead, owner=ia, systems=[system])
    with pytest.raises(ValidationError, match=f"risk {risk.reference}"):
        factories.audit(lead, ia, systems=[system])


def test_the_programme_owner_does_not_audit_the_audit_process(lead):
    with pytest.raises(ValidationError, match=r"the audit programme \(clause 9\.2\)"):
        factories.audit(lead, lead, requirements=("9.2",))
    assert factories.audit(lead, lead, requirements=("7.2",)).status == "planned"


def test_adding_a_conflicting_auditor_later_is_refused_and_nothing_changes(lead, ia, ia2):
    audit = factories.audit(lead, ia, controls=("A.6.2.4",))
    give_entry(lead, "A.6.2.4", ia2)
    with pytest.raises(ValidationError, match=r"SoA entry A\.6\.2\.4"):
        services.audit_update(
            audit, actor=lead, data={"auditors": [ia2]}, expected_version=audit.version, reason="+1"
        )
    audit.refresh_from_db()
    assert audit.version == 1 and not audit.auditors.exists()


def test_independence_is_checked_again_when_the_audit_starts(lead, ia):
    audit = factories.audit(lead, ia, controls=("A.6.2.4",))
    give_entry(lead, "A.6.2.4", ia)  # ownership moved after planning
    with pytest.raises(ValidationError, match="cannot audit this scope"):
        services.audit_transition(audit, "start", actor=lead)
    audit.refresh_from_db()
    assert audit.status == Audit.Status.PLANNED


def test_audit_team_members_need_a_role_that_records_results(lead, ia, make_user):
    reader = make_user(roles.AUDITOR, username="external")
    with pytest.raises(ValidationError, match="their role cannot record audit results"):
        factories.audit(lead, ia, auditors=[reader])


def test_the_planned_start_lies_in_the_programme_year(lead, ia):
    import datetime

    programme = factories.audit_programme(lead, year=2031)
    with pytest.raises(ValidationError, match="plans audits in 2031"):
        factories.audit(lead, ia, programme=programme, planned_start=datetime.date(2030, 5, 1))
