"""Rules of the management-system registers, through the services the pages and API call."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aims_portal import notifications
from aims_portal.models import Notification
from audits.selectors import review_figures
from controls import services as controls
from controls.exports import document_data, render_html
from governance import selectors, services
from governance.models import Measurement, PolicyAcknowledgement
from registry.models import AISystem

from . import factories
from . import governance_data as data

pytestmark = pytest.mark.django_db


# --- scope (4.3) ----------------------------------------------------------------------------


def test_a_system_cannot_be_both_in_and_out_of_scope(lead):
    system = data.system(lead)
    with pytest.raises(ValidationError, match="both in scope and out of scope"):
        data.scope(lead, [system], systems_out=[system])


def test_scope_goes_to_review_only_with_a_system_in_scope(lead):
    draft = data.scope(lead)
    with pytest.raises(ValidationError, match="at least one AI system"):
        services.scope_transition(draft, "submit", actor=lead)


def test_scope_approval_is_four_eyes_and_records_the_approver(lead, executive, make_user):
    system = data.system(lead)
    draft = data.scope(lead, [system])
    submitted = services.scope_transition(draft, "submit", actor=lead)
    # An executive who edited the draft took part in it: someone else approves.
    approved = services.scope_transition(submitted, "approve", actor=executive)
    assert approved.status == "approved"
    assert approved.approved_by == executive and approved.approved_at is not None
    assert selectors.approved_scope() == approved
    other = make_user("admin", username="admin2")
    draft2 = data.scope(other, [system], scope_version="2.0")
    submitted2 = services.scope_transition(draft2, "submit", actor=other)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.scope_transition(submitted2, "approve", actor=other)


def test_an_approved_scope_changes_only_through_a_new_draft(lead, executive):
    approved = data.approved_scope(lead, executive, [data.system(lead)])
    with pytest.raises(ValidationError, match="start a new draft"):
        services.scope_update(
            approved,
            actor=lead,
            data={"boundaries": "Changed"},
            expected_version=approved.version,
            reason="Edit",
        )
    draft = services.scope_transition(approved, "revise", actor=lead, reason="New unit")
    assert draft.status == "draft" and draft.approved_by is None


def test_system_owner_cannot_write_the_scope(owner):
    with pytest.raises(PermissionDenied):
        data.scope(owner)


def test_the_approved_scope_shows_on_the_soa_and_in_its_pdf(client, lead, executive):
    system = data.system(lead, name="Claims triage")
    data.approved_scope(lead, executive, [system])
    client.force_login(lead)
    page = client.get("/controls/soa/").content.decode()
    assert "AIMS scope" in page and "Claims triage" in page and "version 1.0" in page
    pdf_html = render_html(document_data())
    assert "Claims triage" in pdf_html and "approved by" in pdf_html


def test_the_soa_says_when_no_scope_is_approved(client, lead):
    data.scope(lead)
    client.force_login(lead)
    assert (
        "No AIMS scope statement is approved yet" in client.get("/controls/soa/").content.decode()
    )


# --- policy acknowledgements (5.2) ----------------------------------------------------------


def test_acknowledging_records_the_current_version_once(lead, executive):
    document = data.policy(lead, executive)
    ack = services.policy_acknowledge(document, actor=executive)
    assert (ack.doc_version, ack.person) == ("1.0", executive)
    assert ack.history.first().history_user == executive
    with pytest.raises(ValidationError, match="already acknowledged"):
        services.policy_acknowledge(document, actor=executive)


def test_only_approved_policies_are_acknowledged_and_not_by_auditors(lead, executive, auditor):
    document = data.policy(lead, executive)
    with pytest.raises(PermissionDenied):
        services.policy_acknowledge(document, actor=auditor)
    revised = controls.document_transition(document, "revise", actor=lead, reason="Yearly review")
    with pytest.raises(ValidationError, match="not an approved policy"):
        services.policy_acknowledge(revised, actor=lead)
    assert not PolicyAcknowledgement.objects.exists()


def test_acknowledgement_reminders_go_once_per_version(lead, executive, owner, auditor):
    document = data.policy(lead, executive)
    services.policy_acknowledge(document, actor=lead)
    assert notifications.send_reminders() == 2  # owner and executive; never the auditor
    assert notifications.send_reminders() == 0
    reminded = set(
        Notification.objects.filter(event="due").values_list("user__username", flat=True)
    )
    assert reminded == {"owner", "exec"}
    services.policy_acknowledge(document, actor=owner)
    document = data.new_policy_version(document, lead, executive, "2.0")
    # Version 2.0: everyone must read it again, the lead and the owner included.
    assert notifications.send_reminders() == 3
    assert notifications.send_reminders() == 0
    keys = set(Notification.objects.filter(user=owner, event="due").values_list("key", flat=True))
    assert keys == {f"policy-ack:{document.pk}:1.0", f"policy-ack:{document.pk}:2.0"}


# --- RACI (5.3) -----------------------------------------------------------------------------


def test_a_raci_line_covers_a_process_or_a_system(lead):
    with pytest.raises(ValidationError, match="either an AIMS process or an AI system"):
        data.raci(lead, lead, process="")
    with pytest.raises(ValidationError, match="either an AIMS process or an AI system"):
        data.raci(lead, lead, system=data.system(lead))


def test_an_activity_has_one_accountable_person(lead, owner):
    data.raci(lead, lead, role="A")
    with pytest.raises(ValidationError, match="already accountable"):
        data.raci(lead, owner, role="A", activity="run the audit")
    assert data.raci(lead, owner, role="R").role == "R"


def test_a_system_owner_keeps_the_raci_of_their_own_systems_only(lead, owner):
    mine = data.system(owner, owner=owner)
    theirs = data.system(lead)
    line = data.raci(owner, owner, process="", system=mine, activity="Watch quality")
    assert line.system == mine
    with pytest.raises(ValidationError, match="only link AI systems you own"):
        data.raci(owner, owner, process="", system=theirs)
    with pytest.raises(PermissionDenied, match="RACI of AIMS processes"):
        data.raci(owner, owner)


# --- objectives and measurement (6.2, 9.1) --------------------------------------------------


def test_objective_status_follows_the_latest_reading(lead):
    objective = data.objective(lead, target=Decimal("90"))
    assert selectors.objective_rows()[0]["status"] == "not_measured"
    data.reading(lead, objective, 95, days_ago=30)
    data.reading(lead, objective, 70, days_ago=1)
    row = selectors.objective_rows()[0]
    assert (row["status"], row["latest"], row["progress"]) == ("off_track", "70 %", 77)
    data.reading(lead, objective, 92)
    assert selectors.objective_rows()[0]["status"] == "met"


def test_an_at_most_objective_is_met_under_its_target(lead):
    objective = data.objective(lead, target=Decimal("2"), direction="at_most", unit="per 10k")
    data.reading(lead, objective, "2.5")
    assert selectors.objective_rows()[0]["status"] == "off_track"
    data.reading(lead, objective, "1.5")
    assert selectors.objective_rows()[0]["status"] == "met"


def test_a_past_due_objective_not_met_is_overdue(lead):
    objective = data.objective(lead, due_date=date.today() - timedelta(days=1))
    data.reading(lead, objective, 50)
    assert selectors.objective_rows()[0]["status"] == "overdue"


def test_computed_objectives_refuse_typed_readings(lead):
    objective = data.objective(lead, metric="assessed_production")
    with pytest.raises(ValidationError, match="measured from portal data"):
        data.reading(lead, objective, 50)


def test_an_owner_measures_only_their_own_objectives(lead, owner):
    theirs = data.objective(lead)
    mine = data.objective(lead, owner=owner)
    assert data.reading(owner, mine, 40).recorded_by == owner
    with pytest.raises(ValidationError, match="only of objectives you own"):
        data.reading(owner, theirs, 40)


def test_computed_readings_come_from_portal_data_once_a_day(lead, executive):
    assessed, bare = data.system(lead), data.system(lead)
    data.system(lead)  # not in production: does not count
    factories.approved_assessment(lead, assessed, executive)
    AISystem.objects.filter(pk__in=[assessed.pk, bare.pk]).update(stage="production")
    objective = data.objective(lead, metric="assessed_production")
    assert services.measurements_compute() == 1
    assert services.measurements_compute() == 0
    reading = objective.measurements.get()
    assert (reading.source, reading.value) == (Measurement.Source.COMPUTED, Decimal("50.00"))
    assert reading.history.first().history_change_reason == "Computed from portal data"
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert services.measurements_compute(today=tomorrow) == 1


def test_nothing_to_count_records_no_reading(lead):
    data.objective(lead, metric="training_current")
    assert services.measurements_compute() == 0


def test_objectives_appear_in_the_management_review_inputs(lead, executive):
    objective = data.objective(lead, title="Cut harmful answers")
    data.reading(lead, objective, 100)
    review = factories.management_review(lead, executive)
    rows = review_figures(review)["objectives"]
    assert [(r["reference"], r["title"], r["status"]) for r in rows] == [
        (objective.reference, "Cut harmful answers", "met")
    ]


# --- competence (7.2) ----------------------------------------------------------------------


def test_expiry_follows_from_the_competence_validity(lead):
    competence = data.competence(lead, validity_months=12)
    record = data.training(lead, lead, competence, completed_on=date(2026, 1, 31))
    assert record.expires_on == date(2027, 1, 31)
    short = data.competence(lead, name="Auditing", validity_months=1)
    record = data.training(lead, lead, short, completed_on=date(2026, 1, 31))
    assert record.expires_on == date(2026, 2, 28)


def test_expiry_must_follow_completion(lead):
    competence = data.competence(lead)
    with pytest.raises(ValidationError, match="after the completion"):
        data.training(
            lead, lead, competence, completed_on=date(2026, 3, 1), expires_on=date(2026, 2, 1)
        )


def test_a_competence_names_a_role_or_a_system(lead):
    with pytest.raises(ValidationError, match="which role or which AI system"):
        data.competence(lead, role="")


def test_expiry_reminders_go_once_per_record_and_date(lead, owner):
    competence = data.competence(lead)
    soon = timezone.localdate() + timedelta(days=10)
    record = data.training(lead, owner, competence, expires_on=soon)
    data.training(lead, lead, competence, expires_on=soon + timedelta(days=200))  # not yet
    assert notifications.send_reminders() == 1
    assert notifications.send_reminders() == 0
    note = Notification.objects.get(event="due")
    assert note.user == owner and note.key == f"training-expiry:{record.pk}:{soon.isoformat()}"
    later = soon + timedelta(days=5)
    services.training_update(
        record,
        actor=lead,
        data={"expires_on": later},
        expected_version=record.version,
        reason="Extended by the provider",
    )
    assert notifications.send_reminders() == 1  # a new date is a new event
    assert notifications.send_reminders() == 0


def test_a_refresher_stops_the_reminders_of_the_old_record(lead, owner):
    competence = data.competence(lead)
    soon = timezone.localdate() + timedelta(days=10)
    data.training(lead, owner, competence, expires_on=soon)
    data.training(
        lead,
        owner,
        competence,
        completed_on=timezone.localdate(),
        expires_on=soon.replace(year=soon.year + 1),
    )
    assert notifications.send_reminders() == 0


def test_the_training_matrix_shows_the_latest_record_of_each_pair(lead, owner):
    competence = data.competence(lead)
    today = timezone.localdate()
    data.training(
        lead,
        owner,
        competence,
        completed_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
    )
    matrix = selectors.training_matrix()
    cells = {row["person"].username: row["cells"][0].key for row in matrix["rows"]}
    assert cells == {"owner": "expired", "lead": "missing"}
    data.training(lead, owner, competence, completed_on=today, expires_on=today + timedelta(20))
    cells = {
        row["person"].username: row["cells"][0].key for row in selectors.training_matrix()["rows"]
    }
    assert cells["owner"] == "expiring"


def test_acknowledgements_are_never_edited(lead, executive):
    ack = services.policy_acknowledge(data.policy(lead, executive), actor=lead)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.acknowledgement_update(ack, actor=lead, data={}, expected_version=1, reason="x")
    assert PolicyAcknowledgement.objects.get().version == 1
