"""Registry policies: the three built-in rules and Rego rules, each both ways; where the
denials show (system page, API)."""

import copy

import pytest
from django.core.exceptions import ValidationError

from registry import policy, services
from registry.documents import system_document

from . import factories

pytestmark = pytest.mark.django_db

PRODUCTION_OK = {
    "id": "x",
    "classification": {"data_sensitivity": "pii", "risk_tier": "high"},
    "data": {"rag_sources": []},
    "deployment": {"regions": ["eu"]},
    "governance": {
        "impact_assessment_id": "IA-1",
        "approved_by": ["dpo:Dana"],
        "last_reviewed": "2026-10-01",
    },
    "lifecycle": {"stage": "production"},
}


def rules_denying(doc):
    return {d.rule for d in policy.PolicySet([]).evaluate(doc)}


def changed(**paths):
    doc = copy.deepcopy(PRODUCTION_OK)
    for path, value in paths.items():
        section, key = path.split("__")
        doc[section][key] = value
    return doc


def test_a_compliant_production_system_passes_the_built_in_rules():
    assert rules_denying(PRODUCTION_OK) == set()


def test_production_pii_without_impact_assessment_is_denied():
    assert rules_denying(changed(governance__impact_assessment_id="")) == {
        "production-pii-needs-impact-assessment"
    }


def test_pii_data_source_counts_as_personal_data():
    doc = changed(governance__impact_assessment_id="", classification__data_sensitivity="internal")
    doc["data"]["rag_sources"] = [{"name": "tickets", "pii": True}]
    assert "production-pii-needs-impact-assessment" in rules_denying(doc)


def test_pii_without_impact_assessment_outside_production_passes():
    doc = changed(governance__impact_assessment_id="", lifecycle__stage="validation")
    assert rules_denying(doc) == set()


def test_high_risk_production_without_dpo_is_denied():
    doc = changed(governance__approved_by=["security:Sam"])
    assert rules_denying(doc) == {"high-risk-production-needs-dpo"}


def test_low_risk_production_without_dpo_passes():
    doc = changed(governance__approved_by=[], classification__risk_tier="low")
    assert rules_denying(doc) == set()


def test_production_without_review_date_is_denied():
    assert rules_denying(changed(governance__last_reviewed=None)) == {
        "production-needs-review-date"
    }


def test_no_review_date_before_production_passes():
    doc = changed(governance__last_reviewed=None, lifecycle__stage="development")
    assert rules_denying(doc) == set()


REGION_RULE = """
package aims.registry.regions
import rego.v1
deny contains msg if {
  input.lifecycle.stage == "production"
  count(input.deployment.regions) == 0
  msg := sprintf("%s runs in production in no declared region", [input.id])
}
"""


def test_rego_rule_denies_and_passes():
    rules = policy.PolicySet(policy.compile_rules("regions", [("regions.rego", REGION_RULE)]))
    denied = rules.evaluate(changed(deployment__regions=[]))
    assert [(d.rule, d.message) for d in denied] == [
        ("regions", "x runs in production in no declared region")
    ]
    assert rules.evaluate(PRODUCTION_OK) == []


def test_rego_policy_record_applies_to_systems(lead):
    system = factories.ai_system(lead, regions=[])
    doc = system_document(system, stage="production")
    assert "regions" not in {d.rule for d in policy.evaluate(doc)}
    services.policy_create(
        actor=lead, data={"name": "regions", "title": "Regions", "rego": REGION_RULE}
    )
    assert "regions" in {d.rule for d in policy.evaluate(doc)}


def test_rego_files_in_the_policy_folder_apply(tmp_path, settings):
    (tmp_path / "regions.rego").write_text(REGION_RULE)
    settings.REGISTRY_POLICY_DIR = tmp_path
    denied = policy.policy_set().evaluate(changed(deployment__regions=[]))
    assert [d.rule for d in denied] == ["file:regions.rego"]


def test_a_policy_that_does_not_compile_is_refused(lead):
    with pytest.raises(ValidationError, match="The Rego module cannot be used"):
        services.policy_create(
            actor=lead, data={"name": "bad", "title": "Bad", "rego": "package x\ndeny contains {"}
        )


def test_a_broken_policy_file_denies_instead_of_passing(tmp_path, settings):
    (tmp_path / "broken.rego").write_text("package x\ndeny contains if {")
    settings.REGISTRY_POLICY_DIR = tmp_path
    denied = policy.policy_set().evaluate(PRODUCTION_OK)
    assert [d.rule for d in denied] == ["file:broken.rego"]
    assert "could not be evaluated" in denied[0].message


def _in_production(lead, executive, **fields):
    system = factories.production_ready(lead, **fields)
    change = factories.change_request(lead, system)
    services.change_request_transition(change, "approve", actor=executive)
    system.refresh_from_db()
    return system


def test_system_page_shows_current_denials(client_for, lead, executive):
    system = _in_production(lead, executive)
    services.policy_create(
        actor=lead, data={"name": "regions", "title": "Regions", "rego": REGION_RULE}
    )
    page = client_for(lead).get(system.get_absolute_url()).content.decode()
    assert "1 denial" in page
    assert "runs in production in no declared region" in page


def test_system_page_says_when_nothing_denies(client_for, lead, executive):
    system = _in_production(lead, executive, regions=["eu"])
    page = client_for(lead).get(system.get_absolute_url()).content.decode()
    assert "No registry policy denies this system" in page


def test_api_returns_current_denials(client_for, lead, executive):
    system = _in_production(lead, executive)
    url = f"/api/v1/registry/systems/{system.pk}/denials/"
    assert client_for(lead).get(url).json() == []
    services.policy_create(
        actor=lead, data={"name": "regions", "title": "Regions", "rego": REGION_RULE}
    )
    body = client_for(lead).get(url).json()
    assert body == [
        {"rule": "regions", "message": f"{system.slug} runs in production in no declared region"}
    ]
