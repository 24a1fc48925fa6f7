"""A change of an AI system's purpose, users or data sensitivity flags its assessments."""

import pytest

from assessments import services
from registry import services as registry

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(lead, executive):
    system = factories.ai_system(lead, affected_parties=["customers"])
    assessment = factories.impact_assessment(lead, system=system)
    assessment = services.assessment_transition(assessment, "submit", actor=lead)
    return services.assessment_transition(assessment, "approve", actor=executive)


def change_system(system, lead, **data):
    system.refresh_from_db()
    return registry.ai_system_update(
        system, actor=lead, data=data, expected_version=system.version, reason="Change"
    )


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("purpose", "Decide refunds automatically", "purpose"),
        ("affected_parties", ["customers", "suppliers"], "users (affected parties)"),
        ("data_sensitivity", "pii", "data sensitivity"),
    ],
)
def test_a_material_change_flags_the_current_assessment(approved, lead, field, value, label):
    change_system(approved.system, lead, **{field: value})
    approved.refresh_from_db()
    assert approved.needs_reassessment
    assert label in approved.reassessment_reason
    assert approved.status == "approved"
    latest = approved.history.latest("history_id")
    assert latest.history_user == lead
    assert latest.history_change_reason.startswith("Needs re-assessment")


def test_other_changes_do_not_flag(approved, lead):
    change_system(approved.system, lead, description="New wording", contact="new@example.test")
    approved.refresh_from_db()
    assert not approved.needs_reassessment


def test_superseded_revisions_are_not_flagged(approved, lead, executive):
    new = services.assessment_revise(approved, actor=lead)
    new = services.assessment_transition(new, "submit", actor=lead)
    services.assessment_transition(new, "approve", actor=executive)
    change_system(approved.system, lead, purpose="Something else")
    approved.refresh_from_db()
    new.refresh_from_db()
    assert not approved.needs_reassessment
    assert new.needs_reassessment


def test_the_flag_shows_on_the_assessment_page(approved, lead, client_for):
    change_system(approved.system, lead, data_sensitivity="pii")
    html = client_for(lead).get(approved.get_absolute_url()).content.decode()
    assert "Needs re-assessment." in html
    assert "data sensitivity changed" in html


def test_the_flag_shows_on_the_system_page(approved, lead, client_for):
    change_system(approved.system, lead, data_sensitivity="pii")
    html = client_for(lead).get(approved.system.get_absolute_url()).content.decode()
    assert "Impact assessments" in html
    assert approved.reference in html
    assert "Needs re-assessment" in html


def test_submitting_the_new_revision_clears_the_flag(approved, lead):
    change_system(approved.system, lead, purpose="Something else")
    new = services.assessment_revise(approved, actor=lead)
    assert not new.needs_reassessment
    approved.refresh_from_db()
    assert approved.needs_reassessment
    draft = factories.impact_assessment(lead, system=approved.system)
    change_system(approved.system, lead, purpose="Again else")
    draft.refresh_from_db()
    assert draft.needs_reassessment
    submitted = services.assessment_transition(draft, "submit", actor=lead)
    assert not submitted.needs_reassessment
