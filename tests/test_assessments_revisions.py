"""Approved assessments are frozen; changing one starts a new revision that supersedes it."""

import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import ImpactAssessment

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(lead, owner, executive):
    assessment = factories.impact_assessment(lead, owner=owner)
    assessment = services.assessment_transition(assessment, "submit", actor=lead)
    return services.assessment_transition(assessment, "approve", actor=executive)


def test_an_approved_assessment_cannot_be_updated(approved, lead):
    with pytest.raises(ValidationError, match="frozen"):
        services.assessment_update(
            approved,
            actor=lead,
            data={"purpose": "Changed"},
            expected_version=approved.version,
            reason="Try",
        )
    approved.refresh_from_db()
    assert approved.purpose == "Suggest replies to support agents."


def test_the_edit_page_of_an_approved_assessment_sends_back_to_it(client_for, approved, lead):
    response = client_for(lead).get(f"/assessments/impact/{approved.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == approved.get_absolute_url()
    assert "start a new revision" in response.content.decode()


def test_revise_copies_the_assessment_and_its_impacts_into_a_new_draft(approved, lead):
    new = services.assessment_revise(approved, actor=lead, reason="System moves to the UK")
    assert (new.reference, new.revision, new.status) == (approved.reference, 2, "draft")
    assert new.previous == approved
    assert new.purpose == approved.purpose
    assert [i.description for i in new.impacts.all()] == [
        i.description for i in approved.impacts.all()
    ]
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_only_one_revision_is_open_at_a_time(approved, lead):
    services.assessment_revise(approved, actor=lead)
    with pytest.raises(ValidationError, match="already in progress"):
        services.assessment_revise(approved, actor=lead)


def test_a_draft_is_not_revised(lead):
    with pytest.raises(ValidationError, match="Only an approved assessment"):
        services.assessment_revise(factories.impact_assessment(lead), actor=lead)


def test_approving_the_new_revision_supersedes_the_old_one(approved, lead, executive):
    new = services.assessment_revise(approved, actor=lead)
    new = services.assessment_update(
        new,
        actor=lead,
        data={"environment": "Production, EU and UK"},
        expected_version=new.version,
        reason="UK launch",
    )
    new = services.assessment_transition(new, "submit", actor=lead)
    new = services.assessment_transition(new, "approve", actor=executive)
    approved.refresh_from_db()
    assert new.status == "approved"
    assert approved.status == "superseded"
    assert approved.environment == "Production, EU region"  # frozen content kept
    assert approved.history.latest("history_id").history_change_reason.startswith(
        "Mark superseded: Replaced by revision 2"
    )


def test_the_superseded_revision_stays_viewable_and_links_the_latest(
    approved, lead, executive, client_for
):
    new = services.assessment_revise(approved, actor=lead)
    new = services.assessment_transition(new, "submit", actor=lead)
    services.assessment_transition(new, "approve", actor=executive)
    response = client_for(lead).get(approved.get_absolute_url())
    html = response.content.decode()
    assert "This revision was superseded" in html
    assert new.get_absolute_url() in html
    assert ImpactAssessment.objects.filter(reference=approved.reference).count() == 2


def test_the_revise_button_starts_a_revision_from_the_page(client_for, approved, lead):
    response = client_for(lead).post(f"/assessments/impact/{approved.pk}/revise/", follow=True)
    new = ImpactAssessment.objects.get(reference=approved.reference, revision=2)
    assert response.redirect_chain[-1][0] == f"/assessments/impact/{new.pk}/edit/"


def test_an_auditor_cannot_start_a_revision(client_for, approved, auditor):
    response = client_for(auditor).post(f"/assessments/impact/{approved.pk}/revise/")
    assert response.status_code == 403
    assert ImpactAssessment.objects.count() == 1
