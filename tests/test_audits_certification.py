"""The certification cycle: audits in order and dated in order, certificates only after a
recommending audit, the body's findings in the same findings and corrective-action flow."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from audits import services
from audits.models import CertificationAudit, Finding
from controls.models import Control, Requirement

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

TODAY = date.today()
DAY = timedelta(days=1)


@pytest.fixture
def body(lead):
    return factories.certification_body(lead)


def completed(lead, body, kind, start, outcome, **data):
    return factories.certification_audit(
        lead,
        body,
        kind,
        start=start,
        status="completed",
        completed_on=start + DAY,
        outcome=outcome,
        **data,
    )


def messages(error):
    return {field: " ".join(texts) for field, texts in error.value.message_dict.items()}


# --- order of the audits ---------------------------------------------------------------------


def test_stage_2_needs_a_stage_1_first(lead, body):
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "stage2")
    assert "Plan the stage 1 audit first" in messages(error)["kind"]
    assert not CertificationAudit.objects.exists()


def test_stage_2_must_start_after_stage_1_ends(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1", start=TODAY + 10 * DAY, days=2)
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "stage2", start=TODAY + 12 * DAY)
    assert stage_1.reference in messages(error)["planned_start"]
    later = factories.certification_audit(lead, body, "stage2", start=TODAY + 13 * DAY)
    assert later.reference.startswith("CERT-")


def test_an_audit_cannot_end_before_it_starts(lead, body):
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "stage1", days=-1)
    assert "cannot end before it starts" in messages(error)["planned_end"]


def test_each_kind_once_per_cycle(lead, body):
    factories.certification_audit(lead, body, "stage1")
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "stage1", start=TODAY + 90 * DAY)
    assert "already has a stage 1 audit" in messages(error)["kind"]


def test_a_cancelled_audit_frees_its_place(lead, body):
    first = factories.certification_audit(lead, body, "stage1")
    services.certification_audit_update(
        first, actor=lead, data={"status": "cancelled"}, expected_version=1, reason="Postponed"
    )
    again = factories.certification_audit(lead, body, "stage1", start=TODAY + 60 * DAY)
    assert again.status == "planned"


def test_surveillance_follows_stage_2_and_recertification_the_second_surveillance(lead, body):
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "surveillance1")
    assert "Plan the stage 2 audit first" in messages(error)["kind"]
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "recertification", cycle=1)
    assert "first cycle runs stage 1, stage 2" in messages(error)["kind"]
    with pytest.raises(ValidationError) as error:
        factories.certification_audit(lead, body, "recertification", cycle=2)
    assert "surveillance audit of cycle 1 first" in messages(error)["kind"]


def test_a_full_cycle_in_order_then_recertification(lead, body):
    start = TODAY - 900 * DAY
    completed(lead, body, "stage1", start, "proceed")
    completed(lead, body, "stage2", start + 30 * DAY, "recommended")
    completed(lead, body, "surveillance1", start + 400 * DAY, "recommended")
    completed(lead, body, "surveillance2", start + 760 * DAY, "recommended")
    recert = factories.certification_audit(
        lead, body, "recertification", cycle=2, start=TODAY + 100 * DAY
    )
    assert recert.cycle == 2
    with pytest.raises(ValidationError):
        factories.certification_audit(lead, body, "stage1", cycle=2)


def test_an_audit_cannot_move_past_the_one_that_follows(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1", start=TODAY + 10 * DAY)
    factories.certification_audit(lead, body, "stage2", start=TODAY + 20 * DAY)
    with pytest.raises(ValidationError) as error:
        services.certification_audit_update(
            stage_1,
            actor=lead,
            data={"planned_end": TODAY + 25 * DAY},
            expected_version=stage_1.version,
            reason="Longer",
        )
    assert "must end before it" in messages(error)["planned_end"]
    stage_1.refresh_from_db()
    assert stage_1.planned_end == TODAY + 11 * DAY


# --- completion -------------------------------------------------------------------------------


def test_completion_needs_a_date_and_an_outcome_that_fits(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1", start=TODAY - 5 * DAY)
    with pytest.raises(ValidationError) as error:
        services.certification_audit_update(
            stage_1,
            actor=lead,
            data={"status": "completed", "outcome": "recommended"},
            expected_version=stage_1.version,
            reason="Done",
        )
    problems = messages(error)
    assert "Give the date" in problems["completed_on"]
    assert "Ready to proceed" in problems["outcome"]


def test_completion_cannot_be_in_the_future(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1", start=TODAY - 5 * DAY)
    with pytest.raises(ValidationError) as error:
        services.certification_audit_update(
            stage_1,
            actor=lead,
            data={"status": "completed", "outcome": "proceed", "completed_on": TODAY + DAY},
            expected_version=stage_1.version,
            reason="Done",
        )
    assert "future" in messages(error)["completed_on"]


def test_stage_2_completes_only_after_stage_1(lead, body):
    factories.certification_audit(lead, body, "stage1", start=TODAY - 20 * DAY)
    stage_2 = factories.certification_audit(lead, body, "stage2", start=TODAY - 10 * DAY)
    with pytest.raises(ValidationError) as error:
        services.certification_audit_update(
            stage_2,
            actor=lead,
            data={"status": "completed", "outcome": "recommended", "completed_on": TODAY},
            expected_version=stage_2.version,
            reason="Done",
        )
    assert "only after stage 1" in messages(error)["status"]


def test_a_completed_audit_is_frozen(lead, body):
    stage_1 = completed(lead, body, "stage1", TODAY - 10 * DAY, "proceed")
    with pytest.raises(ValidationError, match="frozen"):
        services.certification_audit_update(
            stage_1, actor=lead, data={"scope": "More"}, expected_version=1, reason="Edit"
        )


# --- certificates -----------------------------------------------------------------------------


def test_certificate_needs_a_recommending_stage_2_and_dates_in_order(lead, executive, body):
    completed(lead, body, "stage1", TODAY - 60 * DAY, "proceed")
    stage_2 = completed(lead, body, "stage2", TODAY - 30 * DAY, "recommended")
    data = {
        "number": "C-1",
        "granted_by": stage_2,
        "scope": "All AI systems",
        "issued_on": TODAY - 40 * DAY,
        "expires_on": TODAY - 50 * DAY,
        "owner": executive,
    }
    with pytest.raises(ValidationError) as error:
        services.certificate_create(actor=lead, data=data)
    problems = messages(error)
    assert "before" in problems["issued_on"] and stage_2.reference in problems["issued_on"]
    assert "expire after it is issued" in problems["expires_on"]
    data.update(issued_on=TODAY - 20 * DAY, expires_on=TODAY + 1000 * DAY)
    certificate = services.certificate_create(actor=lead, data=data)
    assert certificate.body == body


def test_certificate_refuses_a_stage_1_or_an_unrecommending_audit(lead, executive, body):
    stage_1 = completed(lead, body, "stage1", TODAY - 60 * DAY, "proceed")
    with pytest.raises(ValidationError) as error:
        services.certificate_create(
            actor=lead,
            data={
                "number": "C-2",
                "granted_by": stage_1,
                "scope": "x",
                "issued_on": TODAY,
                "expires_on": TODAY + 900 * DAY,
                "owner": executive,
            },
        )
    assert "stage 2 or recertification" in messages(error)["granted_by"]
    stage_2 = completed(lead, body, "stage2", TODAY - 30 * DAY, "not_recommended")
    with pytest.raises(ValidationError) as error:
        services.certificate_create(
            actor=lead,
            data={
                "number": "C-2",
                "granted_by": stage_2,
                "scope": "x",
                "issued_on": TODAY,
                "expires_on": TODAY + 900 * DAY,
                "owner": executive,
            },
        )
    assert "recommendation" in messages(error)["granted_by"]


# --- the body's findings ---------------------------------------------------------------------


def test_an_external_finding_enters_the_same_corrective_action_flow(lead, executive, body):
    stage_1 = completed(lead, body, "stage1", TODAY - 10 * DAY, "proceed")
    finding = services.certification_finding_raise(
        actor=lead,
        data={
            "certification_audit": stage_1,
            "requirement": Requirement.objects.get(ref="6.2"),
            "kind": "minor_nc",
            "title": "Objectives lack measures",
            "description": "Two objectives have no measure.",
        },
    )
    assert finding.reference.startswith("F-")
    assert finding.audit is None and finding.source == stage_1
    assert finding.requirement_ref.startswith("6.2 ")
    with pytest.raises(ValidationError, match="corrective action"):
        services.finding_transition(finding, "close", actor=lead, reason="Fixed")
    action = factories.corrective_action(lead, lead, finding=finding)
    for step in ("start", "implement"):
        action = services.corrective_action_transition(action, step, actor=lead, reason=step)
    services.corrective_action_transition(action, "verify", actor=executive, reason="Checked")
    closed = services.finding_transition(finding, "close", actor=lead, reason="Verified")
    assert closed.status == Finding.Status.CLOSED


def test_an_external_finding_names_one_criterion(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1")
    base = {"certification_audit": stage_1, "kind": "ofi", "title": "t", "description": "d"}
    with pytest.raises(ValidationError, match="requirement or control"):
        services.certification_finding_raise(actor=lead, data=base)
    with pytest.raises(ValidationError, match="one criterion"):
        services.certification_finding_raise(
            actor=lead,
            data={
                **base,
                "requirement": Requirement.objects.get(ref="4.1"),
                "control": Control.objects.get(ref="A.2.2"),
            },
        )
    assert not Finding.objects.exists()


def test_a_cancelled_audit_raises_no_findings(lead, body):
    stage_1 = factories.certification_audit(lead, body, "stage1")
    stage_1 = services.certification_audit_update(
        stage_1, actor=lead, data={"status": "cancelled"}, expected_version=1, reason="Off"
    )
    with pytest.raises(ValidationError, match="cancelled"):
        services.certification_finding_raise(
            actor=lead,
            data={
                "certification_audit": stage_1,
                "control": Control.objects.get(ref="A.2.2"),
                "kind": "ofi",
                "title": "t",
                "description": "d",
            },
        )


def test_the_finding_page_records_an_external_finding(client_for, lead, body):
    stage_1 = completed(lead, body, "stage1", TODAY - 10 * DAY, "proceed")
    url = f"/audits/certification/audits/{stage_1.pk}/finding/"
    client = client_for(lead)
    assert "Record a finding" in client.get(stage_1.get_absolute_url()).content.decode()
    bad = client.post(url, {"kind": "minor_nc", "title": "No criterion", "description": "d"})
    assert bad.status_code == 400 and "Nothing was saved" in bad.content.decode()
    response = client.post(
        url,
        {
            "kind": "minor_nc",
            "requirement": Requirement.objects.get(ref="7.2").pk,
            "title": "Approvers untrained",
            "description": "Two approvers had no training record.",
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302 and response["Location"] == finding.get_absolute_url()
    listing = client.get("/audits/findings/?source=certification").content.decode()
    assert finding.reference in listing and stage_1.reference in listing


def test_the_api_raises_an_external_finding(client_for, lead, body):
    stage_1 = completed(lead, body, "stage1", TODAY - 10 * DAY, "proceed")
    response = client_for(lead).post(
        "/api/v1/audits/findings/",
        {
            "certification_audit": stage_1.pk,
            "control": Control.objects.get(ref="A.6.2.4").pk,
            "kind": "observation",
            "title": "Release notes thin",
            "description": "Release notes omit the evaluation set used.",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["certification_audit"] == stage_1.pk
    assert Finding.objects.get().requirement_ref.startswith("A.6.2.4")


def test_the_api_applies_the_order_rule(client_for, lead, body):
    response = client_for(lead).post(
        "/api/v1/audits/certification-audits/",
        {
            "body": body.pk,
            "kind": "stage2",
            "planned_start": str(TODAY + 5 * DAY),
            "planned_end": str(TODAY + 6 * DAY),
            "owner": lead.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "stage 1" in response.content.decode()
    assert not CertificationAudit.objects.exists()


def test_an_auditor_reads_but_cannot_plan(client_for, auditor, lead, body):
    factories.certification_audit(lead, body, "stage1")
    client = client_for(auditor)
    page = client.get("/audits/certification/audits/").content.decode()
    assert "Stage 1" in page and "New certification audit" not in page
    assert client.get("/audits/certification/audits/new/").status_code == 403
