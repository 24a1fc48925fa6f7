"""The go-live gate checks portal records: the named impact assessment, sign-offs by people
who hold the responsibility, stage order with recorded overrides, re-checks in place."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import services as assessments
from registry import golive
from registry import services as registry
from registry.models import ChangeRequest

from . import factories

pytestmark = pytest.mark.django_db


def _name_assessment(system, lead, reference):
    return registry.ai_system_update(
        system,
        actor=lead,
        data={"impact_assessment_ref": reference},
        expected_version=system.version,
        reason="Names its assessment",
    )


def _system(lead):
    """High risk with personal data; its text fields satisfy the built-in rules."""
    return factories.ai_system(
        lead,
        data_sensitivity="pii",
        risk_tier="high",
        approved_by=["dpo:Dana Ortiz"],
        last_reviewed=datetime.date(2026, 10, 1),
    )


def _ready_but(lead, reference):
    """A system in validation, signed off, that names ``reference`` as its assessment."""
    system = _system(lead)
    system = _name_assessment(system, lead, reference)
    system = factories.advance(system, "validation", lead)
    factories.sign_off(system, "dpo")
    factories.sign_off(system, "security_officer")
    return system


def _refusal(lead, executive, system):
    change = factories.change_request(lead, system)
    assert change.policy_passed is False
    with pytest.raises(ValidationError) as error:
        registry.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "validation"
    return " ".join(error.value.messages)


def test_production_with_the_named_approved_assessment_goes_live(lead, executive):
    system = factories.production_ready(lead)
    change = factories.change_request(lead, system)
    assert change.policy_passed, change.policy_denials
    registry.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "production"


def test_missing_assessment_blocks_production(lead, executive):
    system = _ready_but(lead, "")
    assert "names no impact assessment" in _refusal(lead, executive, system)


def test_typed_reference_of_no_assessment_blocks_production(lead, executive):
    system = _ready_but(lead, "IA-2026-014")
    assert "IA-2026-014 is not an impact assessment in the portal" in _refusal(
        lead, executive, system
    )


def test_assessment_in_review_blocks_production(lead, executive):
    system = _system(lead)
    assessment = factories.impact_assessment(lead, system=system)
    assessments.assessment_transition(assessment, "submit", actor=lead)
    system = _ready_but_existing(lead, system, assessment.reference)
    message = _refusal(lead, executive, system)
    assert f"{assessment.reference} rev. 1 is in review, not approved" in message


def _ready_but_existing(lead, system, reference):
    system.refresh_from_db()
    system = _name_assessment(system, lead, reference)
    system = factories.advance(system, "validation", lead)
    factories.sign_off(system, "dpo")
    factories.sign_off(system, "security_officer")
    system.refresh_from_db()
    return system


def test_returned_assessment_blocks_production(lead, executive):
    system = _system(lead)
    assessment = factories.impact_assessment(lead, system=system)
    assessment = assessments.assessment_transition(assessment, "submit", actor=lead)
    assessments.assessment_transition(
        assessment, "return", actor=executive, reason="Impacts on agents are missing"
    )
    system = _ready_but_existing(lead, system, assessment.reference)
    assert "rev. 1 is returned, not approved" in _refusal(lead, executive, system)


def test_superseded_revision_named_blocks_production(lead, executive):
    system = _system(lead)
    first = factories.approved_assessment(lead, system)
    second = assessments.assessment_revise(first, actor=lead, reason="New region")
    second = assessments.assessment_transition(second, "submit", actor=lead)
    assessments.assessment_transition(second, "approve", actor=executive)
    system = _ready_but_existing(lead, system, f"{first.reference} rev. 1")
    assert "rev. 1 is superseded, not approved" in _refusal(lead, executive, system)
    # Naming the assessment itself means its revision in force, which passes.
    system = _name_assessment(system, lead, first.reference)
    factories.sign_off(system, "dpo")
    factories.sign_off(system, "security_officer")
    change = factories.change_request(lead, system)
    assert change.policy_passed, change.policy_denials


def test_assessment_flagged_for_reassessment_blocks_production(lead, executive):
    system = factories.production_ready(lead)
    assessments.assessment_flag_reassessment(system, ["purpose"], actor=lead)
    assert "is flagged for re-assessment" in _refusal(lead, executive, system)


def test_assessment_of_another_system_blocks_production(lead, executive):
    other = factories.ai_system(lead)
    elsewhere = factories.approved_assessment(lead, other)
    system = _ready_but(lead, elsewhere.reference)
    message = _refusal(lead, executive, system)
    assert f"{elsewhere.reference} assesses {other.slug}, not {system.slug}" in message


def test_typed_dpo_approval_is_not_a_sign_off(lead, executive):
    # approved_by says "dpo:…" but nobody holding the responsibility signed in the portal.
    system = factories.ai_system(
        lead, data_sensitivity="pii", risk_tier="high", approved_by=["dpo:Dana Ortiz"]
    )
    assessment = factories.approved_assessment(lead, system)
    system = _name_assessment(system, lead, assessment.reference)
    system = factories.advance(system, "validation", lead)
    message = _refusal(lead, executive, system)
    assert "gate:dpo-sign-off" in message
    assert "gate:security-officer-sign-off" in message


def test_only_holders_of_the_responsibility_sign_off(lead, executive):
    system = factories.ai_system(lead)
    with pytest.raises(PermissionDenied, match="Only a data protection officer"):
        golive.sign_off_record(system, "dpo", actor=executive)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        golive.sign_off_record(system, "dpo", actor=_holder_owning(system, lead))
    sign_off = golive.sign_off_record(system, "dpo", actor=factories.responsible("dpo"))
    assert (sign_off.system_version, sign_off.responsibility) == (system.version, "dpo")
    assert sign_off.history.first().history_change_reason.startswith("Data protection officer")


def _holder_owning(system, lead):
    from django.contrib.auth.models import Group

    system.owner.groups.add(Group.objects.get(name="dpo"))
    return system.owner


def test_sign_off_counts_only_for_its_version_and_while_held(lead, executive):
    system = factories.production_ready(lead)
    assert {s.responsibility for s in golive.valid_sign_offs(system)} == {
        "dpo",
        "security_officer",
    }
    dpo = system.sign_offs.get(responsibility="dpo").signed_by
    dpo.groups.clear()
    assert {s.responsibility for s in golive.valid_sign_offs(system)} == {"security_officer"}
    system = registry.ai_system_update(
        system,
        actor=lead,
        data={"endpoint": "https://x.example"},
        expected_version=system.version,
        reason="New endpoint",
    )
    assert golive.valid_sign_offs(system) == []
    assert "for version" in _refusal(lead, executive, system)


def test_withdrawn_sign_off_no_longer_counts(lead, executive):
    system = factories.production_ready(lead)
    security = system.sign_offs.get(responsibility="security_officer")
    with pytest.raises(PermissionDenied):
        golive.sign_off_withdraw(security, actor=executive, reason="Not mine")
    golive.sign_off_withdraw(security, actor=security.signed_by, reason="Pen test found issues")
    assert "gate:security-officer-sign-off" in _refusal(lead, executive, system)


def test_stage_skip_without_override_is_refused(lead, executive):
    system = factories.ai_system(lead)
    change = factories.change_request(lead, system, target_stage="validation")
    assert [d["rule"] for d in change.policy_denials] == ["gate:stage-order"]
    with pytest.raises(ValidationError, match="skips development"):
        registry.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "proposed"


def test_stage_skip_with_an_approvers_justified_override(lead, executive, admin_user):
    system = factories.ai_system(lead)
    change = factories.change_request(admin_user, system, target_stage="validation")
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        golive.change_request_override(change, actor=admin_user, justification="x" * 30)
    with pytest.raises(PermissionDenied, match="Only an approver"):
        golive.change_request_override(change, actor=lead, justification="x" * 30)
    with pytest.raises(ValidationError, match="why the stage may be skipped"):
        golive.change_request_override(change, actor=executive, justification="ok")
    justification = "Bought-in product already validated by the vendor; see supplier review."
    change = golive.change_request_override(change, actor=executive, justification=justification)
    assert (change.override_by, change.override_justification) == (executive, justification)
    registry.change_request_transition(change, "approve", actor=factories.approver())
    system.refresh_from_db()
    assert system.stage == "validation"


def test_override_is_refused_when_nothing_is_skipped(lead, executive):
    change = factories.change_request(lead, factories.ai_system(lead), target_stage="development")
    with pytest.raises(ValidationError, match="skips no stage"):
        golive.change_request_override(change, actor=executive, justification="x" * 30)


def test_retirement_is_allowed_from_any_stage_and_final(lead, executive):
    system = factories.ai_system(lead)
    change = factories.change_request(lead, system, target_stage="retired")
    registry.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "retired"
    back = factories.change_request(lead, system, target_stage="proposed")
    assert [d["rule"] for d in back.policy_denials] == ["gate:stage-order"]
    with pytest.raises(ValidationError, match="does not return to service"):
        registry.change_request_transition(back, "approve", actor=factories.approver())


def test_failed_request_is_rechecked_in_place_after_fixes(lead, executive, owner):
    system = factories.production_ready(lead)
    system.sign_offs.get(responsibility="dpo").signed_by.groups.clear()
    change = factories.change_request(lead, system)
    assert not change.policy_passed
    assert [d["rule"] for d in change.policy_denials] == ["gate:dpo-sign-off"]
    with pytest.raises(ValidationError, match="cannot be approved while the check fails"):
        registry.change_request_transition(change, "approve", actor=executive)
    with pytest.raises(PermissionDenied):
        golive.change_request_recheck(change, actor=owner)  # not their system
    factories.sign_off(system, "dpo")
    rechecked = golive.change_request_recheck(change, actor=lead)
    assert (rechecked.pk, rechecked.status, rechecked.policy_passed) == (
        change.pk,
        ChangeRequest.Status.SUBMITTED,
        True,
    )
    assert rechecked.policy_denials == []
    assert rechecked.history.first().history_change_reason == "Checked again: passed"
    registry.change_request_transition(rechecked, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "production"


def test_user_policies_see_portal_facts(lead, settings, tmp_path):
    (tmp_path / "facts.rego").write_text(
        "package portal.facts\n\n"
        "deny contains msg if {\n"
        '  input.lifecycle.stage == "production"\n'
        '  input.portal.assessment.status != "approved"\n'
        '  msg := sprintf("assessment %s is %s", [input.portal.assessment.id, '
        "input.portal.assessment.status])\n"
        "}\n"
    )
    settings.REGISTRY_POLICY_DIR = tmp_path
    system = factories.ai_system(lead)
    assessment = factories.impact_assessment(lead, system=system)
    system = _name_assessment(system, lead, assessment.reference)
    system = factories.advance(system, "validation", lead)
    change = factories.change_request(lead, system)
    denials = {d["rule"]: d["message"] for d in change.policy_denials}
    assert denials["file:facts.rego"] == f"assessment {assessment.reference} is draft"
