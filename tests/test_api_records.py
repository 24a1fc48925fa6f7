"""The REST API of the generic record pattern: /api/v1/registry/suppliers/ and /systems/."""

import pytest
from rest_framework.test import APIClient

from aims_portal.api_tokens import api_token_create
from registry import services as registry
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db

SUPPLIERS = "/api/v1/registry/suppliers/"
SYSTEMS = "/api/v1/registry/systems/"


@pytest.fixture
def api():
    """An API client logged in (session) as the given user; anonymous when given None."""
    client = APIClient()

    def login(user=None):
        if user is not None:
            client.force_login(user)
        return client

    return login


def new_system(owner, **overrides):
    return {
        "slug": "support-bot",
        "name": "Support bot",
        "owner": owner.pk,
        "contact": "bot@example.test",
        "purpose": "Answers customers",
        "data_sensitivity": "pii",
        "risk_tier": "high",
        "eu_ai_act_tier": "limited",
        "regions": ["eu", "uk"],
        **overrides,
    }


# --- list and retrieve ----------------------------------------------------------------------


def test_supplier_list_is_paginated_json(api, lead):
    factories.supplier(lead, name="Acme")
    factories.supplier(lead, name="Globex")
    response = api(lead).get(SUPPLIERS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {row["name"] for row in body["results"]} == {"Acme", "Globex"}
    assert {"next", "previous"} <= set(body)


def test_system_list_is_paginated_json(api, lead):
    factories.ai_system(lead, name="Bot")
    body = api(lead).get(SYSTEMS).json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["name"] == "Bot"
    assert row["stage"] == "proposed"
    assert row["version"] == 1
    assert "change_reason" not in row


def test_retrieve_supplier(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).get(f"{SUPPLIERS}{supplier.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == supplier.pk
    assert response.json()["name"] == "Acme"
    assert response.json()["owner"] == lead.pk


def test_retrieve_system(api, lead):
    system = factories.ai_system(lead, slug="bot", regions=["eu"])
    body = api(lead).get(f"{SYSTEMS}{system.pk}/").json()
    assert body["slug"] == "bot"
    assert body["regions"] == ["eu"]


def test_auditor_may_read(api, lead, auditor):
    factories.supplier(lead, name="Acme")
    response = api(auditor).get(SUPPLIERS)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_user_without_role_may_not_read(api, lead, make_user):
    factories.supplier(lead, name="Acme")
    assert api(make_user()).get(SUPPLIERS).status_code == 403


@pytest.mark.parametrize("url", [SUPPLIERS, SYSTEMS])
def test_anonymous_is_refused(api, url):
    assert api().get(url).status_code in (401, 403)


# --- create ---------------------------------------------------------------------------------


def test_lead_creates_supplier_with_history_user(api, lead, owner):
    data = {"name": "Acme", "services": "Hosted LLM API", "owner": owner.pk}
    response = api(lead).post(SUPPLIERS, data, format="json")
    assert response.status_code == 201
    supplier = Supplier.objects.get(name="Acme")
    assert response.json()["id"] == supplier.pk
    assert response.json()["version"] == 1
    [created] = supplier.history.all()
    assert created.history_user == lead
    assert created.history_change_reason == "Created"


def test_lead_creates_system(api, lead):
    response = api(lead).post(SYSTEMS, new_system(lead), format="json")
    assert response.status_code == 201
    system = AISystem.objects.get(slug="support-bot")
    assert system.regions == ["eu", "uk"]
    assert system.history.get().history_user == lead


def test_create_cannot_set_stage(api, lead):
    response = api(lead).post(SYSTEMS, new_system(lead, stage="production"), format="json")
    assert response.status_code == 201
    assert AISystem.objects.get(slug="support-bot").stage == "proposed"


def test_auditor_cannot_create(api, auditor, lead):
    data = {"name": "Acme", "services": "API", "owner": lead.pk}
    response = api(auditor).post(SUPPLIERS, data, format="json")
    assert response.status_code == 403
    assert not Supplier.objects.exists()


def test_anonymous_cannot_create(api, lead):
    data = {"name": "Acme", "services": "API", "owner": lead.pk}
    response = api().post(SUPPLIERS, data, format="json")
    assert response.status_code in (401, 403)
    assert not Supplier.objects.exists()


def test_create_with_bad_review_dates_is_400(api, lead):
    data = {
        "name": "Acme",
        "services": "API",
        "owner": lead.pk,
        "last_reviewed": "2025-06-01",
        "next_review": "2025-01-01",
    }
    response = api(lead).post(SUPPLIERS, data, format="json")
    assert response.status_code == 400
    assert "next_review" in response.json()
    assert not Supplier.objects.exists()


# --- update ---------------------------------------------------------------------------------


def test_patch_without_version_is_400(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).patch(
        f"{SUPPLIERS}{supplier.pk}/", {"services": "Data", "change_reason": "x"}, format="json"
    )
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert "version" in response.json()
    assert (supplier.services, supplier.version) == ("Hosted model API", 1)


def test_patch_without_change_reason_is_400(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).patch(
        f"{SUPPLIERS}{supplier.pk}/", {"services": "Data", "version": 1}, format="json"
    )
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert "change_reason" in response.json()
    assert supplier.version == 1


def test_patch_with_stale_version_is_409_and_changes_nothing(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_update(
        supplier, actor=lead, data={"services": "Second"}, expected_version=1, reason="Other"
    )
    response = api(lead).patch(
        f"{SUPPLIERS}{supplier.pk}/",
        {"services": "Mine", "version": 1, "change_reason": "x"},
        format="json",
    )
    supplier.refresh_from_db()
    assert response.status_code == 409
    assert "Your changes were not saved" in response.json()["detail"]
    assert (supplier.services, supplier.version) == ("Second", 2)


def test_patch_with_current_version_saves(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).patch(
        f"{SUPPLIERS}{supplier.pk}/",
        {"services": "Data", "version": 1, "change_reason": "Renewed"},
        format="json",
    )
    supplier.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["services"] == "Data"
    assert (supplier.services, supplier.version) == ("Data", 2)
    latest = supplier.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Renewed"
    assert latest.history_user == lead


def test_patch_of_stage_does_not_change_it(api, lead):
    system = factories.ai_system(lead, name="Bot")
    response = api(lead).patch(
        f"{SYSTEMS}{system.pk}/",
        {"stage": "production", "name": "Bot 2", "version": 1, "change_reason": "x"},
        format="json",
    )
    system.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["stage"] == "proposed"
    assert system.stage == "proposed"
    assert system.name == "Bot 2"


def test_put_replaces_with_version_check(api, lead):
    system = factories.ai_system(lead, name="Bot")
    data = new_system(lead, slug=system.slug, name="Replaced", version=1, change_reason="x")
    response = api(lead).put(f"{SYSTEMS}{system.pk}/", data, format="json")
    system.refresh_from_db()
    assert response.status_code == 200
    assert (system.name, system.version) == ("Replaced", 2)


def test_auditor_cannot_patch(api, lead, auditor):
    supplier = factories.supplier(lead, name="Acme")
    response = api(auditor).patch(
        f"{SUPPLIERS}{supplier.pk}/",
        {"services": "Data", "version": 1, "change_reason": "x"},
        format="json",
    )
    supplier.refresh_from_db()
    assert response.status_code == 403
    assert supplier.version == 1


def test_system_owner_can_patch_only_own_system(api, owner, lead):
    mine = factories.ai_system(owner, name="Mine", owner=owner)
    theirs = factories.ai_system(lead, name="Theirs")
    client = api(owner)
    body = {"name": "Changed", "version": 1, "change_reason": "x"}
    assert client.patch(f"{SYSTEMS}{mine.pk}/", body, format="json").status_code == 200
    assert client.patch(f"{SYSTEMS}{theirs.pk}/", body, format="json").status_code == 403
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_delete_is_not_allowed(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).delete(f"{SUPPLIERS}{supplier.pk}/")
    assert response.status_code == 405
    assert Supplier.objects.filter(pk=supplier.pk).exists()


# --- retire ---------------------------------------------------------------------------------


def test_retire_with_reason_retires(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).post(
        f"{SUPPLIERS}{supplier.pk}/retire/", {"reason": "Contract ended"}, format="json"
    )
    supplier.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["retired_at"] is not None
    assert supplier.retired_at is not None
    assert supplier.history.order_by("-history_id").first().history_change_reason == (
        "Contract ended"
    )


def test_retire_without_reason_is_400(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = api(lead).post(f"{SUPPLIERS}{supplier.pk}/retire/", {}, format="json")
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert supplier.retired_at is None


def test_auditor_cannot_retire(api, lead, auditor):
    supplier = factories.supplier(lead, name="Acme")
    response = api(auditor).post(
        f"{SUPPLIERS}{supplier.pk}/retire/", {"reason": "x"}, format="json"
    )
    supplier.refresh_from_db()
    assert response.status_code == 403
    assert supplier.retired_at is None


def test_ai_systems_cannot_be_retired(api, lead):
    system = factories.ai_system(lead, name="Bot")
    response = api(lead).post(f"{SYSTEMS}{system.pk}/retire/", {"reason": "x"}, format="json")
    system.refresh_from_db()
    assert response.status_code == 400
    assert system.version == 1


def test_retired_suppliers_hidden_from_api_list_unless_asked(api, lead):
    factories.supplier(lead, name="Active")
    retired = factories.supplier(lead, name="Gone")
    registry.supplier_retire(retired, actor=lead, reason="x")
    client = api(lead)
    assert [r["name"] for r in client.get(SUPPLIERS).json()["results"]] == ["Active"]
    everything = client.get(SUPPLIERS, {"status": "all"}).json()["results"]
    assert {r["name"] for r in everything} == {"Active", "Gone"}


def test_retired_supplier_can_still_be_retrieved_by_id(api, lead):
    # Retiring keeps the record available (to auditors, to links from AI systems): only the
    # lists hide it by default.
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_retire(supplier, actor=lead, reason="x")
    response = api(lead).get(f"{SUPPLIERS}{supplier.pk}/")
    assert response.status_code == 200
    assert response.json()["retired_at"] is not None


def test_retired_supplier_cannot_be_patched(api, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_retire(supplier, actor=lead, reason="x")
    response = api(lead).patch(
        f"{SUPPLIERS}{supplier.pk}/?status=all",
        {"services": "Data", "version": 2, "change_reason": "x"},
        format="json",
    )
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert "retired" in str(response.json())
    assert (supplier.services, supplier.version) == ("Hosted model API", 2)


def test_system_cannot_be_newly_linked_to_retired_supplier(api, lead):
    supplier = factories.supplier(lead, name="Old vendor")
    registry.supplier_retire(supplier, actor=lead, reason="x")
    system = factories.ai_system(lead, name="Bot")
    client = api(lead)
    patched = client.patch(
        f"{SYSTEMS}{system.pk}/",
        {"supplier": supplier.pk, "version": 1, "change_reason": "x"},
        format="json",
    )
    created = client.post(SYSTEMS, new_system(lead, supplier=supplier.pk), format="json")
    system.refresh_from_db()
    assert patched.status_code == 400
    assert "supplier" in patched.json()
    assert system.supplier is None
    assert created.status_code == 400
    assert not AISystem.objects.filter(slug="support-bot").exists()


# --- token authentication -------------------------------------------------------------------


def test_token_authentication(lead, owner):
    token = api_token_create(lead)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    data = {"name": "Acme", "services": "API", "owner": owner.pk}
    response = client.post(SUPPLIERS, data, format="json")
    assert response.status_code == 201
    assert Supplier.objects.get(name="Acme").history.get().history_user == lead
    assert client.get(SUPPLIERS).json()["count"] == 1


def test_bad_token_is_refused(lead):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(SUPPLIERS).status_code in (401, 403)


def test_token_of_auditor_cannot_write(auditor, lead):
    token = api_token_create(auditor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    data = {"name": "Acme", "services": "API", "owner": lead.pk}
    assert client.post(SUPPLIERS, data, format="json").status_code == 403
    assert client.get(SUPPLIERS).status_code == 200


def test_session_writes_need_a_csrf_token(lead, owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(lead)
    data = {"name": "Acme", "services": "API", "owner": owner.pk}
    response = client.post(SUPPLIERS, data, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Supplier.objects.exists()


# --- search and filters ---------------------------------------------------------------------


def test_search_parameter(api, lead):
    factories.supplier(lead, name="Acme Models")
    factories.supplier(lead, name="Globex")
    body = api(lead).get(SUPPLIERS, {"search": "acme"}).json()
    assert [r["name"] for r in body["results"]] == ["Acme Models"]


def test_q_parameter_searches_too(api, lead):
    factories.ai_system(lead, name="Support bot")
    factories.ai_system(lead, name="Fraud scorer")
    body = api(lead).get(SYSTEMS, {"q": "fraud"}).json()
    assert [r["name"] for r in body["results"]] == ["Fraud scorer"]


def test_risk_tier_filter(api, lead):
    factories.ai_system(lead, name="Low one", risk_tier="low")
    factories.ai_system(lead, name="High one", risk_tier="high")
    body = api(lead).get(SYSTEMS, {"risk_tier": "high"}).json()
    assert body["count"] == 1
    assert body["results"][0]["name"] == "High one"


def test_invalid_filter_value_is_400(api, lead):
    factories.ai_system(lead, risk_tier="low")
    assert api(lead).get(SYSTEMS, {"risk_tier": "enormous"}).status_code == 400


def test_ordering_parameter(api, lead):
    for name in ("Bravo", "Alpha", "Charlie"):
        factories.ai_system(lead, name=name)
    body = api(lead).get(SYSTEMS, {"ordering": "-name"}).json()
    assert [r["name"] for r in body["results"]] == ["Charlie", "Bravo", "Alpha"]


# --- schema ---------------------------------------------------------------------------------


def test_schema_lists_both_paths(api, lead):
    response = api(lead).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/registry/suppliers/" in schema["paths"]
    assert "/api/v1/registry/systems/" in schema["paths"]
    assert "/api/v1/registry/suppliers/{id}/retire/" in schema["paths"]


def test_schema_needs_authentication(api):
    assert api().get("/api/v1/schema/").status_code in (401, 403)
