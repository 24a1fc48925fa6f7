"""Audits: checklist generated from the criteria, each audit and finding transition, and the
refused ones (nothing changes when a step is refused)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims_portal import history
from audits import services
from audits.models import Audit, ChecklistLine, Finding

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import TODAY, line

pytestmark = pytest.mark.django_db


def test_planning_an_audit_generates_one_checklist_line_per_criterion(planned_audit):
    refs = list(planned_audit.checklist.values_list("ref", flat=True))
    assert refs == ["9.2", "10.2", "A.6.2.4"]
    assert planned_audit.reference == f"AUD-{TODAY.year}-01"
    assert planned_audit.status == Audit.Status.PLANNED
    assert set(planned_audit.checklist.values_list("result", flat=True)) == {"not_assessed"}


def test_changing_the_criteria_adds_and_drops_lines(planned_audit, lead):
    from controls.models import Control

    services.audit_update(
        planned_audit,
        actor=lead,
        data={"controls": list(Control.objects.filter(ref__in=["A.2.2", "A.2.3"]))},
        expected_version=planned_audit.version,
        reason="Policy controls instead",
    )
    refs = set(planned_audit.checklist.values_list("ref", flat=True))
    assert refs == {"9.2", "10.2", "A.2.2", "A.2.3"}


def test_a_criterion_with_a_result_cannot_be_dropped(started_audit, lead, ia):
    factories.record_line(line(started_audit, "A.6.2.4"), ia, "conforms")
    started_audit.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.audit_update(
            started_audit,
            actor=lead,
            data={"controls": []},
            expected_version=started_audit.version,
            reason="Narrower",
        )
    assert "A.6.2.4" in str(error.value)
    assert started_audit.checklist.filter(ref="A.6.2.4").exists()
    started_audit.refresh_from_db()
    assert started_audit.controls.count() == 1


def test_start_moves_a_planned_audit_in_progress(started_audit):
    assert started_audit.status == Audit.Status.IN_PROGRESS
    assert started_audit.started_at == TODAY
    assert started_audit.history.first().history_change_reason == "Start audit"


def test_complete_is_refused_while_planned(planned_audit, ia):
    with pytest.raises(ValidationError, match="not possible while the record is Planned"):
        services.audit_transition(planned_audit, "complete", actor=ia)


def test_complete_lists_every_missing_piece_and_changes_nothing(started_audit, ia):
    factories.record_line(line(started_audit, "9.2"), ia, "nonconformity")
    with pytest.raises(ValidationError) as error:
        services.audit_transition(started_audit, "complete", actor=ia)
    text = " ".join(error.value.messages)
    assert "2 checklist line(s) not assessed yet: 10.2, A.6.2.4" in text
    assert "Raise a nonconformity finding for each nonconforming line: 9.2" in text
    assert "Write the audit conclusion" in text
    started_audit.refresh_from_db()
    assert started_audit.status == Audit.Status.IN_PROGRESS


def _finish(audit, ia, lead):
    for ref in ("10.2", "A.6.2.4"):
        factories.record_line(line(audit, ref), ia, "conforms")
    audit.refresh_from_db()
    return services.audit_update(
        audit,
        actor=lead,
        data={"conclusion": "The AIMS is effective apart from one minor gap."},
        expected_version=audit.version,
        reason="Conclusion",
    )


def test_only_the_audit_team_completes_the_audit(nc_finding, started_audit, ia, lead):
    audit = _finish(started_audit, ia, lead)
    with pytest.raises(PermissionDenied, match="audit team"):
        services.audit_transition(audit, "complete", actor=lead)
    done = services.audit_transition(audit, "complete", actor=ia)
    assert done.status == Audit.Status.COMPLETED and done.completed_at == TODAY


def test_a_completed_audit_is_frozen(nc_finding, started_audit, ia, lead):
    audit = services.audit_transition(_finish(started_audit, ia, lead), "complete", actor=ia)
    with pytest.raises(ValidationError, match="frozen"):
        services.audit_update(
            audit, actor=lead, data={"title": "Other"}, expected_version=audit.version, reason="x"
        )
    with pytest.raises(ValidationError, match="only while the audit is in progress"):
        factories.record_line(line(audit, "10.2"), ia, "observation")


def test_cancel_needs_a_reason_and_only_a_planned_audit(planned_audit, lead):
    with pytest.raises(ValidationError, match="Say why"):
        services.audit_transition(planned_audit, "cancel", actor=lead)
    cancelled = services.audit_transition(planned_audit, "cancel", actor=lead, reason="Merged")
    assert cancelled.status == Audit.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.audit_transition(cancelled, "start", actor=lead)


def test_cancel_is_refused_once_started(started_audit, lead):
    with pytest.raises(ValidationError, match="not possible"):
        services.audit_transition(started_audit, "cancel", actor=lead, reason="Too late")


def test_results_are_recorded_by_the_team_only_while_in_progress(
    planned_audit, started_audit, ia, lead
):
    with pytest.raises(PermissionDenied, match="Only the audit team"):
        factories.record_line(line(started_audit, "9.2"), lead, "conforms")
    saved = factories.record_line(line(started_audit, "9.2"), ia, "conforms")
    assert saved.result == "conforms" and saved.assessed_by == ia and saved.assessed_at


def test_results_cannot_be_recorded_before_the_audit_starts(planned_audit, ia):
    with pytest.raises(ValidationError, match="planned"):
        factories.record_line(line(planned_audit, "9.2"), ia, "conforms")


def test_a_nonconformity_needs_a_nonconforming_line(started_audit, ia):
    conforming = factories.record_line(line(started_audit, "10.2"), ia, "conforms")
    with pytest.raises(ValidationError) as error:
        factories.finding(conforming, ia, kind="major_nc")
    assert "needs the line's result to be “Nonconformity”" in str(error.value)
    assert not Finding.objects.exists()
    improvement = factories.finding(conforming, ia, kind="ofi", title="Automate the reminder")
    assert improvement.reference == f"F-{TODAY.year}-001"
    assert improvement.requirement_ref.startswith("10.2 ")


def test_a_finding_needs_an_assessed_line(started_audit, ia):
    with pytest.raises(ValidationError, match=r"Record a result for 9\.2 first"):
        factories.finding(line(started_audit, "9.2"), ia, kind="ofi")


def test_a_line_with_a_nonconformity_finding_stays_nonconforming(nc_finding, started_audit, ia):
    with pytest.raises(ValidationError, match="stays a nonconformity"):
        factories.record_line(line(started_audit, "9.2"), ia, "conforms")
    assert line(started_audit, "9.2").result == ChecklistLine.Result.NONCONFORMITY


def test_a_nonconformity_closes_only_after_its_actions_are_verified(nc_finding, lead, ia, ia2):
    with pytest.raises(ValidationError, match="only after a corrective action"):
        services.finding_transition(nc_finding, "close", actor=lead)
    action = factories.corrective_action(lead, ia2, finding=nc_finding)
    with pytest.raises(ValidationError, match=action.reference):
        services.finding_transition(nc_finding, "close", actor=lead)
    for step in ("start", "implement"):
        action = services.corrective_action_transition(action, step, actor=ia2)
    services.corrective_action_verify(action, actor=ia, effective=True, notes="Agenda checked")
    closed = services.finding_transition(nc_finding, "close", actor=lead)
    assert closed.status == Finding.Status.CLOSED and closed.closed_at


def test_an_observation_closes_without_an_action(started_audit, ia, lead):
    observed = factories.record_line(line(started_audit, "10.2"), ia, "observation")
    finding = factories.finding(observed, ia, kind="observation")
    closed = services.finding_transition(finding, "close", actor=lead)
    assert closed.status == "closed"
    with pytest.raises(ValidationError, match="Say why"):
        services.finding_transition(closed, "reopen", actor=lead)
    assert (
        services.finding_transition(closed, "reopen", actor=lead, reason="Recurred").status
        == "open"
    )


def test_every_change_is_in_the_history_and_the_ledger(started_audit, ia):
    from integrity.models import LedgerEntry

    saved = factories.record_line(line(started_audit, "9.2"), ia, "conforms")
    latest = saved.history.first()
    assert latest.history_user == ia and latest.history_change_reason == "Result recorded"
    covered = set(LedgerEntry.objects.values_list("covered_model", flat=True))
    assert {"audits.historicalaudit", "audits.historicalchecklistline"} <= covered
    latest = started_audit.history.first()
    team = history.version_links(Audit, Audit._meta.get_field("auditors"), [latest.history_id])
    assert team[latest.history_id] == {u.pk for u in started_audit.auditors.all()}


def test_only_the_team_is_offered_to_record_a_result(started_audit, ia, lead, client):
    url = line(started_audit, "9.2").get_absolute_url()
    client.force_login(lead)
    html = client.get(url).content.decode()
    assert "Record result" not in html and "Only the audit team records results." in html
    client.force_login(ia)
    assert "Record result" in client.get(url).content.decode()
