"""The workflow engine, exercised on a real model (a supplier's due-diligence status)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims_portal.services import StaleVersionError
from aims_portal.workflow import Transition, Workflow

from . import factories

pytestmark = pytest.mark.django_db

due_diligence = Workflow(
    status_field="due_diligence_status",
    submitter_field="owner",
    transitions=(
        Transition("start", ("not_started",), "in_progress", "Start review"),
        Transition(
            "approve",
            ("in_progress",),
            "approved",
            "Approve",
            action="change",
            four_eyes=True,
            guard=lambda s: [] if s.contact_email else ["Add a contact e-mail before approving."],
        ),
        Transition("reject", ("in_progress",), "rejected", "Reject", reason_required=True),
    ),
)


def test_a_step_moves_the_status_and_records_it(lead):
    supplier = factories.supplier(lead)
    moved = due_diligence.run(supplier, "start", actor=lead, reason="Questionnaire sent")
    assert moved.due_diligence_status == "in_progress"
    assert moved.version == 2
    latest = moved.history.latest("history_id")
    assert latest.history_user == lead
    assert latest.history_change_reason == "Start review: Questionnaire sent"


def test_a_step_from_the_wrong_status_is_refused(lead):
    supplier = factories.supplier(lead)
    with pytest.raises(ValidationError, match="not possible while the record is Not started"):
        due_diligence.run(supplier, "approve", actor=lead)


def test_unknown_step_is_refused(lead):
    with pytest.raises(ValidationError, match="no “publish” step"):
        due_diligence.run(factories.supplier(lead), "publish", actor=lead)


def test_four_eyes_refuses_the_submitter(lead, make_user):
    supplier = factories.supplier(lead, owner=lead, contact_email="a@example.test")
    due_diligence.run(supplier, "start", actor=lead)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        due_diligence.run(supplier, "approve", actor=lead)
    other = make_user("governance_lead")
    assert due_diligence.run(supplier, "approve", actor=other).due_diligence_status == "approved"


def test_role_without_the_action_is_refused(lead, auditor):
    supplier = factories.supplier(lead)
    with pytest.raises(PermissionDenied):
        due_diligence.run(supplier, "start", actor=auditor)
    assert due_diligence.available(supplier, auditor) == []


def test_guard_problems_block_the_step(lead, make_user):
    supplier = factories.supplier(lead, owner=lead)
    due_diligence.run(supplier, "start", actor=lead)
    with pytest.raises(ValidationError, match="contact e-mail"):
        due_diligence.run(supplier, "approve", actor=make_user("governance_lead"))


def test_required_reason(lead):
    supplier = factories.supplier(lead)
    due_diligence.run(supplier, "start", actor=lead)
    with pytest.raises(ValidationError):
        due_diligence.run(supplier, "reject", actor=lead, reason="  ")
    supplier.refresh_from_db()
    assert supplier.due_diligence_status == "in_progress"


def test_stale_version_is_refused(lead):
    supplier = factories.supplier(lead)
    with pytest.raises(StaleVersionError):
        due_diligence.run(supplier, "start", actor=lead, expected_version=7)


def test_available_lists_what_the_user_may_do_now(lead, make_user):
    supplier = factories.supplier(lead, owner=lead, contact_email="a@example.test")
    assert [t.name for t in due_diligence.available(supplier, lead)] == ["start"]
    due_diligence.run(supplier, "start", actor=lead)
    supplier.refresh_from_db()
    assert [t.name for t in due_diligence.available(supplier, lead)] == ["reject"]
    other = make_user("governance_lead")
    assert [t.name for t in due_diligence.available(supplier, other)] == ["approve", "reject"]
