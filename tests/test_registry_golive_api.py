"""The go-live gate through the API: sign-offs, re-checks and overrides call the same
services as the pages, so the same people may do the same things and nobody else."""

import pytest
from rest_framework.test import APIClient

from registry.models import ChangeRequest

from . import factories

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_dpo_signs_off_the_current_version_and_others_are_refused(lead, executive):
    system = factories.ai_system(lead)
    url = f"/api/v1/registry/systems/{system.pk}/sign-off/"
    refused = api(executive).post(url, {"responsibility": "dpo"}, format="json")
    assert refused.status_code == 403
    assert "data protection officer" in refused.json()["detail"]
    dpo = factories.responsible("dpo")
    done = api(dpo).post(url, {"responsibility": "dpo", "note": "DPIA read"}, format="json")
    assert done.status_code == 201, done.json()
    body = done.json()
    assert (body["signed_by"], body["system_version"], body["responsibility"]) == (
        dpo.username,
        system.version,
        "dpo",
    )
    assert system.sign_offs.get().signed_by == dpo
    wrong = api(dpo).post(url, {"responsibility": "security_officer"}, format="json")
    assert wrong.status_code == 403
    assert system.sign_offs.count() == 1


def test_a_failed_request_is_rechecked_in_place_through_the_api(lead, executive, owner):
    system = factories.production_ready(lead)
    system.sign_offs.get(responsibility="dpo").signed_by.groups.clear()
    change = factories.change_request(lead, system)
    assert not change.policy_passed
    url = f"/api/v1/registry/changes/{change.pk}/recheck/"
    assert api(owner).post(url).status_code == 403  # not their system
    factories.sign_off(system, "dpo")
    again = api(lead).post(url)
    assert again.status_code == 200, again.json()
    assert again.json()["policy_passed"] is True
    change.refresh_from_db()
    assert (change.status, change.policy_passed) == (ChangeRequest.Status.SUBMITTED, True)


def test_only_an_approver_other_than_the_requester_overrides_a_stage_skip(lead, executive):
    system = factories.ai_system(lead)
    change = factories.change_request(lead, system, target_stage="validation")
    url = f"/api/v1/registry/changes/{change.pk}/override/"
    why = {"justification": "Vendor-validated product; see the supplier review of March."}
    assert api(lead).post(url, why, format="json").status_code == 403
    short = api(executive).post(url, {"justification": "ok"}, format="json")
    assert short.status_code == 400
    done = api(executive).post(url, why, format="json")
    assert done.status_code == 200, done.json()
    change.refresh_from_db()
    assert (change.override_by, change.override_justification) == (
        executive,
        why["justification"],
    )
