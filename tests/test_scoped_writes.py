"""Scoped writes: a user limited to some AI systems creates and changes only records within
that scope, through pages and the API alike, and the forms offer only the scope's systems.
A refused write changes nothing."""

import pytest
from django.core.exceptions import ValidationError

from aims_portal.api_tokens import api_token_create
from aims_portal.models import User
from assessments import services as assessments
from assessments.models import Risk
from identity import services as identity

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(admin_user, lead, make_user):
    """Two systems; a governance lead limited to the first one."""
    inside = factories.ai_system(lead, name="Inside system", slug="inside")
    outside = factories.ai_system(lead, name="Outside system", slug="outside")
    scoped = make_user("governance_lead", username="unit-lead")
    identity.access_scope_set(
        scoped, actor=admin_user, teams=[], systems=[inside], reason="One business unit"
    )
    return User.objects.get(pk=scoped.pk), inside, outside


def test_links_outside_the_scope_are_refused_and_nothing_is_written(estate):
    scoped, inside, outside = estate
    before = Risk.objects.count()
    with pytest.raises(ValidationError) as refused:
        factories.risk(scoped, systems=[inside, outside])
    assert "Outside system is outside it" in str(refused.value)
    with pytest.raises(ValidationError) as unanchored:
        factories.risk(scoped, systems=[])
    assert "would not belong to any of them" in str(unanchored.value)
    assert Risk.objects.count() == before

    risk = factories.risk(scoped, systems=[inside])
    with pytest.raises(ValidationError):
        assessments.risk_update(
            risk,
            actor=scoped,
            data={"systems": [inside, outside]},
            expected_version=risk.version,
            reason="Widen",
        )
    risk.refresh_from_db()
    assert list(risk.systems.all()) == [inside] and risk.version == 1


def test_a_link_made_by_someone_unlimited_is_kept_on_a_scoped_edit(admin_user, estate):
    scoped, inside, outside = estate
    shared = factories.risk(admin_user, systems=[inside, outside])
    saved = assessments.risk_update(
        shared,
        actor=scoped,
        data={"title": "Shared risk, reworded"},
        expected_version=shared.version,
        reason="Wording",
    )
    assert set(saved.systems.all()) == {inside, outside}


def test_the_api_refuses_a_link_outside_the_scope(client, estate):
    scoped, inside, outside = estate
    token = api_token_create(scoped).key
    body = {
        "title": "Drift in the ranking model",
        "owner": scoped.pk,
        "inherent_likelihood": 3,
        "inherent_impact": 3,
        "treatment": "mitigate",
        "treatment_plan": "Monitor weekly.",
        "residual_likelihood": 2,
        "residual_impact": 2,
        "systems": [outside.pk],
    }
    response = client.post(
        "/api/v1/assessments/risks/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400, response.content
    assert "outside it" in response.content.decode()
    assert not Risk.objects.filter(title="Drift in the ranking model").exists()
    response = client.post(
        "/api/v1/assessments/risks/",
        {**body, "systems": [inside.pk]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 201, response.content


def test_forms_offer_only_the_scopes_systems(client_for, estate):
    scoped, inside, outside = estate
    client = client_for(scoped)
    for url in ("/assessments/risks/new/", "/assessments/impact/new/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert inside.name in text, url
        assert outside.name not in text, url


def test_an_unlimited_user_still_sees_every_system(client_for, lead, estate):
    _, inside, outside = estate
    text = client_for(lead).get("/assessments/risks/new/").content.decode()
    assert inside.name in text and outside.name in text
