"""SoA approval: guards, four-eyes, frozen numbered revisions, change lists, diff, as-of."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from controls import services
from controls.catalogue import soa_document
from controls.models import SoAEntry, SoARevision

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def edit(actor, ref, **data):
    e = SoAEntry.objects.get(control__ref=ref)
    return services.soa_entry_update(
        e, actor=actor, data=data, expected_version=e.version, reason=f"Edit {ref}"
    )


def test_submitting_needs_every_control_decided(lead):
    with pytest.raises(ValidationError) as error:
        services.soa_transition(soa_document(), "submit", actor=lead)
    assert "38 control(s) are not yet decided" in error.value.messages[0]
    assert soa_document().status == "draft"


def test_the_submitter_cannot_approve(admin_user):
    factories.soa_decide_all(admin_user)
    services.soa_transition(soa_document(), "submit", actor=admin_user)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.soa_transition(soa_document(), "approve", actor=admin_user)
    assert not SoARevision.objects.exists()


def test_the_governance_lead_cannot_approve(lead, admin_user):
    factories.soa_decide_all(lead)
    services.soa_transition(soa_document(), "submit", actor=admin_user)
    with pytest.raises(PermissionDenied):
        services.soa_transition(soa_document(), "approve", actor=lead)


def test_approval_freezes_revision_1_with_document_control(lead, executive):
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive, reason="Board sign-off")
    assert revision.number == 1
    assert revision.approved_by == executive and revision.submitted_by == lead
    assert revision.approval_note == "Board sign-off"
    assert len(revision.entries) == 38
    assert revision.entries[0]["justification"] == "Needed for our AI systems: A.2.2."
    assert soa_document().status == "approved"


def test_a_revision_stays_frozen_when_entries_change(lead, executive):
    factories.soa_decide_all(lead)
    revision = factories.soa_approve(lead, executive)
    edit(lead, "A.2.2", justification="Rewritten later.")
    revision.refresh_from_db()
    assert revision.entries[0]["justification"] == "Needed for our AI systems: A.2.2."
    assert soa_document().status == "draft"  # the edit opened a new draft


def test_entries_are_locked_while_in_review(lead):
    factories.soa_decide_all(lead)
    services.soa_transition(soa_document(), "submit", actor=lead)
    with pytest.raises(ValidationError, match="in review"):
        edit(lead, "A.2.2", justification="Sneaky change.")


def test_nothing_to_approve_without_changes(lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    services.soa_transition(soa_document(), "reopen", actor=lead, reason="Annual review")
    with pytest.raises(ValidationError, match="Nothing changed since revision 1"):
        services.soa_transition(soa_document(), "submit", actor=lead)


def test_revision_2_lists_what_changed_since_revision_1(lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    edit(
        lead,
        "A.10.4",
        applicability="excluded",
        justification="We sell no AI to customers.",
        exclusion_reasons=["out_of_scope"],
    )
    edit(lead, "A.6.2.4", implementation_status="implemented")
    revision = factories.soa_approve(lead, executive)
    assert revision.number == 2
    changed = {(c["ref"], c["field"]) for c in revision.changes}
    assert changed == {
        ("A.10.4", "Applicability"),
        ("A.10.4", "Inclusion reasons"),  # an excluded control keeps none
        ("A.10.4", "Exclusion reasons"),
        ("A.10.4", "Justification"),
        ("A.6.2.4", "Implementation"),
    }
    applicability = next(c for c in revision.changes if c["field"] == "Applicability")
    assert (applicability["old"], applicability["new"]) == ("Applicable", "Excluded")


def test_return_needs_a_reason_and_goes_back_to_draft(lead, executive):
    factories.soa_decide_all(lead)
    services.soa_transition(soa_document(), "submit", actor=lead)
    with pytest.raises(ValidationError):
        services.soa_transition(soa_document(), "return", actor=executive)
    soa = services.soa_transition(soa_document(), "return", actor=executive, reason="Fix A.5")
    assert soa.status == "draft"


def test_compare_page_shows_the_diff_between_two_revisions(client_for, lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    edit(lead, "A.3.3", justification="Hotline <script>x</script> run by HR.")
    factories.soa_approve(lead, executive)
    response = client_for(lead).get("/controls/soa/revisions/compare/?from=1&to=2")
    html = response.content.decode()
    assert "1 change" in html
    assert "Hotline &lt;script&gt;x&lt;/script&gt; run by HR." in html
    assert "Needed for our AI systems: A.3.3." in html


def test_revision_page_shows_the_frozen_entries(client_for, auditor, lead, executive):
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive)
    response = client_for(auditor).get("/controls/soa/revisions/1/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "SoA revision 1" in html and html.count('id="soa-row-') == 38


def test_approval_through_the_page_redirects_to_the_revision(client_for, lead, executive):
    factories.soa_decide_all(lead)
    client_for(lead).post("/controls/soa/step/submit/")
    response = client_for(executive).post("/controls/soa/step/approve/", {"reason": "OK"})
    assert response.status_code == 302 and response["Location"] == "/controls/soa/revisions/1/"


def test_as_of_view_shows_the_soa_as_it_stood_on_a_past_date(client_for, lead):
    edit(lead, "A.4.3", applicability="applicable", justification="Old wording.")
    past = timezone.now() - timedelta(days=10)
    SoAEntry.history.filter(
        control_id=SoAEntry.objects.get(control__ref="A.4.3").control_id
    ).update(history_date=past)
    edit(lead, "A.4.3", justification="New wording.")
    day = (past + timedelta(days=1)).date().isoformat()
    html = client_for(lead).get(f"/controls/soa/?as_of={day}").content.decode()
    assert "Old wording." in html and "New wording." not in html
    today = client_for(lead).get("/controls/soa/").content.decode()
    assert "New wording." in today
