"""System owners create records only for themselves and their own AI systems, and cannot
hand a record to someone else or link it to another owner's system afterwards. One rule in
aims_portal/services.py (``check_own_scope``), driven by each record type's owner field and
system link, so the pages and the API refuse alike; governance leads are not limited."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aims_portal import roles
from assessments import services as assessments
from assessments.forms import RiskForm
from assessments.models import ImpactAssessment, Risk
from audits import services as audits
from registry import services as registry
from registry.models import AISystem, DataSource, Incident, ModelVersion, Supplier

from . import factories

pytestmark = pytest.mark.django_db

REFUSED = (ValidationError, PermissionDenied)


@pytest.fixture
def other_owner(make_user):
    return make_user(roles.SYSTEM_OWNER, username="other")


@pytest.fixture
def mine(lead, owner):
    return factories.ai_system(lead, owner=owner, slug="mine", name="Mine")


@pytest.fixture
def theirs(lead, other_owner):
    return factories.ai_system(lead, owner=other_owner, slug="theirs", name="Theirs")


def refused(call, field=None):
    with pytest.raises(REFUSED) as caught:
        call()
    if field and isinstance(caught.value, ValidationError):
        assert field in caught.value.message_dict, caught.value.message_dict
    return caught.value


# --- owner fields ----------------------------------------------------------------------------


def test_owner_cannot_create_a_system_owned_by_someone_else(owner, other_owner):
    error = refused(lambda: factories.ai_system(owner, owner=other_owner), "owner")
    assert "only create or keep records that you own" in str(error)
    assert not AISystem.objects.exists()
    assert factories.ai_system(owner).owner == owner


def test_an_empty_owner_becomes_the_creator(owner):
    system = factories.ai_system(owner, owner=None)
    assert system.owner == owner


def test_owner_cannot_create_a_supplier_for_someone_else(owner, other_owner):
    refused(lambda: factories.supplier(owner, owner=other_owner), "owner")
    assert not Supplier.objects.exists()


def test_owner_cannot_reassign_their_system(owner, other_owner, mine):
    refused(
        lambda: registry.ai_system_update(
            mine, actor=owner, data={"owner": other_owner}, expected_version=1, reason="Handover"
        ),
        "owner",
    )
    mine.refresh_from_db()
    assert mine.owner == owner and mine.version == 1


# --- records of a system -------------------------------------------------------------------


def test_owner_cannot_add_data_sources_or_model_versions_to_another_owners_system(owner, theirs):
    refused(
        lambda: registry.data_source_create(
            actor=owner, data={"system": theirs, "kind": "training", "name": "Tickets"}
        )
    )
    refused(
        lambda: registry.model_version_create(
            actor=owner,
            data={"system": theirs, "label": "v2", "deployed_at": timezone.now()},
        )
    )
    assert not DataSource.objects.exists() and not ModelVersion.objects.exists()


def test_owner_cannot_report_an_incident_on_another_owners_system(owner, theirs, mine):
    data = {
        "title": "Wrong answers",
        "severity": "low",
        "description": "Seen in chat.",
        "detected_at": timezone.now(),
        "detection": "user_report",
    }
    refused(lambda: registry.incident_create(actor=owner, data={**data, "system": theirs}))
    assert not Incident.objects.exists()
    assert registry.incident_create(actor=owner, data={**data, "system": mine}).system == mine


def test_owner_cannot_request_a_change_to_another_owners_system(owner, theirs):
    refused(lambda: factories.change_request(owner, theirs))


def test_owner_cannot_assess_another_owners_system(owner, theirs, mine):
    refused(lambda: factories.impact_assessment(owner, system=theirs), "system")
    assert not ImpactAssessment.objects.exists()
    assert factories.impact_assessment(owner, system=mine).system == mine


def test_owner_cannot_create_an_assessment_owned_by_someone_else(owner, other_owner, mine):
    refused(lambda: factories.impact_assessment(owner, system=mine, owner=other_owner), "owner")


# --- risks: an owner field and many systems --------------------------------------------------


def test_owner_cannot_create_a_risk_for_someone_else_or_on_their_system(
    owner, other_owner, mine, theirs
):
    refused(lambda: factories.risk(owner, owner=other_owner), "owner")
    error = refused(lambda: factories.risk(owner, systems=[mine, theirs]), "systems")
    assert "you do not own Theirs" in str(error)
    assert not Risk.objects.exists()
    assert list(factories.risk(owner, systems=[mine]).systems.all()) == [mine]


def test_owner_cannot_link_their_risk_to_another_owners_system(owner, mine, theirs):
    risk = factories.risk(owner, systems=[mine])
    refused(
        lambda: assessments.risk_update(
            risk,
            actor=owner,
            data={"systems": [mine, theirs]},
            expected_version=risk.version,
            reason="Wider scope",
        ),
        "systems",
    )
    assert list(Risk.objects.get().systems.all()) == [mine]


def test_a_link_made_by_a_lead_survives_the_owners_own_edit(lead, owner, mine, theirs):
    risk = factories.risk(lead, owner=owner, systems=[mine, theirs])
    updated = assessments.risk_update(
        risk,
        actor=owner,
        data={"systems": [mine, theirs], "title": "Clearer title"},
        expected_version=risk.version,
        reason="Wording",
    )
    assert updated.title == "Clearer title" and updated.systems.count() == 2


# --- corrective actions: own-only changes in audits ----------------------------------------


def test_owner_cannot_hand_their_corrective_action_to_someone_else(lead, owner, other_owner):
    action = factories.corrective_action(
        lead, owner, review=factories.management_review(lead, lead)
    )
    refused(
        lambda: audits.corrective_action_update(
            action,
            actor=owner,
            data={"owner": other_owner},
            expected_version=action.version,
            reason="Not mine",
        ),
        "owner",
    )


# --- nobody else is limited --------------------------------------------------------------


def test_a_governance_lead_creates_and_assigns_for_anyone(lead, owner, other_owner, theirs):
    factories.ai_system(lead, owner=other_owner)
    risk = factories.risk(lead, owner=owner, systems=[theirs])
    assert risk.owner == owner and list(risk.systems.all()) == [theirs]
    assert factories.impact_assessment(lead, system=theirs, owner=owner).owner == owner
    due = datetime.date.today() + datetime.timedelta(days=10)
    review = factories.management_review(lead, lead)
    action = factories.corrective_action(lead, other_owner, review=review, due_date=due)
    assert action.owner == other_owner


# --- the same rule on the pages and through the API ----------------------------------------


def test_the_risk_page_refuses_another_owners_system(owner, mine, theirs, client_for):
    data = factories.form_data(
        RiskForm,
        title="Leak",
        owner=owner.pk,
        systems=[theirs.pk],
        inherent_likelihood=3,
        inherent_impact=3,
        treatment="mitigate",
        treatment_plan="Filter.",
        residual_likelihood=2,
        residual_impact=2,
    )
    response = client_for(owner).post("/assessments/risks/new/", data)
    assert response.status_code == 400, response.context["form"].errors
    assert "you do not own Theirs" in str(response.context["form"].errors), response.context[
        "form"
    ].errors
    assert not Risk.objects.exists()


def test_the_api_refuses_another_owner_as_owner(owner, other_owner, client_for):
    response = client_for(owner).post(
        "/api/v1/registry/systems/",
        {
            "slug": "someone-elses",
            "name": "Someone else's",
            "owner": other_owner.pk,
            "contact": "x@example.test",
            "purpose": "Testing",
            "data_sensitivity": "internal",
            "risk_tier": "low",
            "eu_ai_act_tier": "minimal",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "only create or keep records that you own" in str(response.json()["owner"])
    assert not AISystem.objects.exists()
