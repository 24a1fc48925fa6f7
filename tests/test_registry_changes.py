"""Lifecycle change requests: the frozen policy result, four-eyes, and the production gate
in the services, the UI, the API and the admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import services
from registry.forms import AISystemForm
from registry.models import AISystem, ChangeRequest, ModelVersion
from registry.workflows import stage_workflow

from . import factories

pytestmark = pytest.mark.django_db


def test_policy_result_is_frozen_at_request_time(lead):
    system = factories.production_ready(lead, approved_by=[])
    change = factories.change_request(lead, system)
    assert change.policy_passed is False
    assert [d["rule"] for d in change.policy_denials] == ["high-risk-production-needs-dpo"]
    # Fixing the system later does not rewrite the request's result.
    services.ai_system_update(
        system,
        actor=lead,
        data={"approved_by": ["dpo:Dana"]},
        expected_version=system.version,
        reason="DPO signed",
    )
    change.refresh_from_db()
    assert change.policy_passed is False


def test_requester_cannot_approve_their_own_change(lead, admin_user, executive):
    # An administrator holds every grant, yet cannot approve a change they requested.
    own = factories.change_request(admin_user, factories.production_ready(lead))
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        services.change_request_transition(own, "approve", actor=admin_user)
    assert services.change_request_transition(own, "approve", actor=executive).status == (
        "approved"
    )


def test_approval_needs_the_approve_grant(lead, owner):
    change = factories.change_request(lead, factories.production_ready(lead))
    with pytest.raises(PermissionDenied):
        services.change_request_transition(change, "approve", actor=owner)


def test_approved_change_moves_the_system_and_records_the_approver(lead, executive):
    system = factories.production_ready(lead)
    change = factories.change_request(lead, system)
    change = services.change_request_transition(change, "approve", actor=executive, reason="OK")
    system.refresh_from_db()
    assert system.stage == "production"
    assert change.decided_by == executive
    assert change.decided_role == "Executive / approver"
    assert change.applied_at is not None
    latest = system.history.latest("history_id")
    assert latest.history_user == executive
    assert latest.history_change_reason == f"Move to production: CR-{change.pk}"


def test_failed_policy_check_blocks_production(lead, executive):
    system = factories.production_ready(lead, impact_assessment_ref="")
    change = factories.change_request(lead, system)
    with pytest.raises(ValidationError, match="production-pii-needs-impact-assessment"):
        services.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.stage == "validation"


def test_production_needs_regression_evidence(lead, executive):
    change = factories.change_request(
        lead, factories.production_ready(lead), regression_evidence=""
    )
    with pytest.raises(ValidationError, match="regression-evaluation evidence"):
        services.change_request_transition(change, "approve", actor=executive)


def test_impact_assessment_update_needs_the_new_assessment(lead, executive):
    system = factories.production_ready(lead)
    change = factories.change_request(lead, system, impact_assessment_update=True)
    with pytest.raises(ValidationError, match="updated impact assessment"):
        services.change_request_transition(change, "approve", actor=executive)
    updated = factories.approved_assessment(lead, system)
    change = services.change_request_update(
        change,
        actor=lead,
        data={"updated_impact_assessment_ref": updated.reference},
        expected_version=change.version,
        reason="IA revised",
    )
    services.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.impact_assessment_ref == updated.reference


def test_change_is_refused_when_the_system_moved_meanwhile(lead, executive):
    system = factories.production_ready(lead)
    late = factories.change_request(lead, system, target_stage="development")
    first = factories.change_request(lead, system, target_stage="proposed")
    services.change_request_transition(first, "approve", actor=executive)
    with pytest.raises(ValidationError, match="raise a new request"):
        services.change_request_transition(late, "approve", actor=executive)


def test_material_change_records_a_model_version(lead, executive):
    system = factories.production_ready(lead, base_model="old-model")
    change = factories.change_request(
        lead, system, kind="base_model", target_stage="", new_value="new-model"
    )
    services.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    assert system.base_model == "new-model"
    version = ModelVersion.objects.get(change=change)
    assert version.base_model == "new-model"


def test_only_the_requester_withdraws(lead, make_user):
    change = factories.change_request(lead, factories.production_ready(lead))
    with pytest.raises(PermissionDenied):
        services.change_request_transition(change, "withdraw", actor=make_user("governance_lead"))
    assert services.change_request_transition(change, "withdraw", actor=lead).status == "withdrawn"


def test_stage_cannot_move_without_an_approved_change(lead, admin_user):
    system = factories.production_ready(lead)
    with pytest.raises(ValidationError, match="needs an approved lifecycle change"):
        stage_workflow.run(system, "production", actor=admin_user)
    # A submitted request whose policy check passed is not enough either.
    factories.change_request(lead, system)
    with pytest.raises(ValidationError, match="needs an approved lifecycle change"):
        stage_workflow.run(system, "production", actor=admin_user)


def test_services_refuse_setting_the_stage(lead):
    with pytest.raises(ValidationError, match="only through a lifecycle change"):
        factories.ai_system(lead, stage="production")


# --- the gate in the UI, the API and the admin ------------------------------------------


def test_ui_edit_cannot_set_production(client_for, lead):
    system = factories.production_ready(lead)
    before = system.version
    data = factories.edit_data(AISystemForm, system, stage="production")
    response = client_for(lead).post(f"/inventory/systems/{system.pk}/edit/", data)
    assert response.status_code == 302
    system.refresh_from_db()
    assert system.stage == "validation"
    assert system.version == before + 1  # the edit saved, the stage did not move


def test_ui_requester_sees_no_approve_button_and_cannot_post_it(client_for, lead):
    change = factories.change_request(lead, factories.production_ready(lead))
    client = client_for(lead)
    page = client.get(change.get_absolute_url()).content.decode()
    assert "Approve change" not in page
    client.post(f"/inventory/changes/{change.pk}/step/approve/", {"reason": "self"})
    change.refresh_from_db()
    assert change.status == "submitted"
    assert AISystem.objects.get(pk=change.system_id).stage == "validation"


def test_ui_approver_approves(client_for, lead, executive):
    change = factories.change_request(lead, factories.production_ready(lead))
    client = client_for(executive)
    assert "Approve change" in client.get(change.get_absolute_url()).content.decode()
    client.post(f"/inventory/changes/{change.pk}/step/approve/", {"reason": "Evidence fine"})
    assert AISystem.objects.get(pk=change.system_id).stage == "production"


def test_api_cannot_write_the_stage(client_for, lead):
    system = factories.production_ready(lead)
    response = client_for(lead).patch(
        f"/api/v1/registry/systems/{system.pk}/",
        {"stage": "production", "version": system.version, "change_reason": "try"},
        content_type="application/json",
    )
    assert response.status_code == 200
    system.refresh_from_db()
    assert system.stage == "validation"


def test_api_change_request_and_approval(client_for, lead, executive):
    system = factories.production_ready(lead)
    created = client_for(lead).post(
        "/api/v1/registry/changes/",
        {
            "system": system.pk,
            "kind": "stage",
            "target_stage": "production",
            "reason": "Go live",
            "regression_evidence": "All green",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["policy_passed"] is True
    url = f"/api/v1/registry/changes/{created.json()['id']}/step/approve/"
    refused = client_for(lead).post(url, {"reason": "self"}, content_type="application/json")
    assert refused.status_code == 403
    approved = client_for(executive).post(url, {"reason": "ok"}, content_type="application/json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    system.refresh_from_db()
    assert system.stage == "production"


def test_api_refuses_approving_a_failed_policy_check(client_for, lead, executive):
    change = factories.change_request(lead, factories.production_ready(lead, last_reviewed=None))
    response = client_for(executive).post(
        f"/api/v1/registry/changes/{change.pk}/step/approve/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "production-needs-review-date" in response.content.decode()
    assert ChangeRequest.objects.get(pk=change.pk).status == "submitted"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/aisystem/{pk}/change/",
        "/admin/registry/changerequest/{cr}/change/",
        "/admin/registry/aisystem/add/",
        "/admin/registry/changerequest/add/",
    ],
)
def test_admin_cannot_change_stage_or_changes(client_for, lead, admin_user, url):
    system = factories.production_ready(lead)
    change = factories.change_request(lead, system)
    url = url.format(pk=system.pk, cr=change.pk)
    response = client_for(admin_user).post(url, {"stage": "production", "status": "approved"})
    assert response.status_code == 403
    system.refresh_from_db()
    change.refresh_from_db()
    assert (system.stage, change.status) == ("validation", "submitted")


def test_admin_shows_systems_read_only(client_for, lead, admin_user):
    system = factories.production_ready(lead)
    page = client_for(admin_user).get(f"/admin/registry/aisystem/{system.pk}/change/")
    assert page.status_code == 200
    assert 'name="stage"' not in page.content.decode()
