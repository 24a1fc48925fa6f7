"""The management-system registers provide their items of the documented-information list:
each names its record when there is one and says what is missing when there is none, and the
readiness checks read them."""

from datetime import date, timedelta

import pytest

from aims_portal import readiness
from controls import documented_information
from controls import services as controls
from controls.catalogue import soa_document
from governance import services

from . import governance_data as data
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def entry(key):
    return next(e for e in documented_information.entries() if e.item.key == key)


def stage_1_failures():
    check = next(r for r in readiness.run_checks() if r.key == "documented-information-design")
    return {f.label: f.problem for f in check.failures}


def test_the_approved_scope_statement_provides_the_scope_before_the_soa_text(lead, executive):
    assert entry("aims-scope").gap == (
        "No AIMS scope statement is written yet (Management system, Scope)."
    )
    draft = data.scope(lead, [data.system(lead)])
    assert entry("aims-scope").gap == f"The scope statement {draft} is not approved yet."
    soa = soa_document()
    controls.soa_document_update(
        soa, actor=lead, data={"scope": "Lending"}, expected_version=soa.version, reason="Scope"
    )
    # The SoA's scope text alone still provides the item while the statement is a draft.
    assert [s.label for s in entry("aims-scope").sources] == [
        "Scope statement of the Statement of Applicability"
    ]
    services.scope_transition(draft, "submit", actor=lead)
    scope = services.scope_transition(draft, "approve", actor=executive)
    first, second = entry("aims-scope").sources
    assert first.label == f"AIMS scope statement v1.0, approved {scope.approved_at:%d %b %Y}"
    assert first.url == scope.get_absolute_url()
    assert second.label == "Scope statement of the Statement of Applicability"


def test_the_policy_and_its_acknowledgements_provide_the_ai_policy(lead, owner, executive):
    assert entry("ai-policy").gap.startswith("No policy document is approved")
    assert "5.2 AI policy" in stage_1_failures()
    policy = data.policy(lead, executive)
    document, acknowledgements = entry("ai-policy").sources
    assert document.label == "POL-001 AI policy (v1.0)"
    assert document.url == policy.get_absolute_url()
    assert acknowledgements.label == "Acknowledgements of POL-001 v1.0: 0 of 3 staff"
    services.policy_acknowledge(policy, actor=owner)
    services.policy_acknowledge(policy, actor=lead)
    assert entry("ai-policy").sources[1].label == "Acknowledgements of POL-001 v1.0: 2 of 3 staff"
    # A new version counts its own readings only.
    data.new_policy_version(policy, lead, executive, "2.0")
    assert entry("ai-policy").sources[1].label == "Acknowledgements of POL-001 v2.0: 0 of 3 staff"
    assert "5.2 AI policy" not in stage_1_failures()


def test_a_policy_marked_with_the_item_is_listed_once(lead, executive):
    policy = controls.document_create(
        actor=lead,
        data={
            "ref": "POL-001",
            "title": "AI policy",
            "kind": "policy",
            "owner": lead,
            "information": "ai-policy",
            "review_date": date.today() + timedelta(days=300),
        },
    )
    policy = controls.document_transition(policy, "submit", actor=lead)
    policy = controls.document_transition(policy, "approve", actor=executive, reason="OK")
    urls = [s.url for s in entry("ai-policy").sources]
    assert urls.count(policy.get_absolute_url()) == 1


def test_the_raci_provides_roles_and_responsibilities(lead, owner):
    assert entry("roles-responsibilities").gap == (
        "No RACI assignment is recorded for an AIMS process or an AI system."
    )
    system = data.system(lead)
    data.raci(lead, lead)
    data.raci(lead, owner, role="A")
    data.raci(lead, owner, process="", system=system, activity="Approve go-live", role="A")
    [source] = entry("roles-responsibilities").sources
    assert source.label == "RACI: 3 assignments covering 1 of 13 AIMS processes and 1 AI systems"
    assert source.url == "/governance/raci/matrix/"
    assert "5.3 Roles, responsibilities and authorities" not in stage_1_failures()


def test_objectives_and_their_measurements_provide_their_items(lead):
    assert entry("ai-objectives").gap == "No AI objective is set."
    assert entry("monitoring-results").gap == "No measurement of an AI objective is recorded."
    assert "6.2 AI objectives and plans" in stage_1_failures()
    objective = data.objective(lead)
    [source] = entry("ai-objectives").sources
    assert (source.label, source.url) == ("AI objectives: 1", "/governance/objectives/")
    assert not entry("monitoring-results").provided  # set, but not measured yet
    data.reading(lead, objective, 60, days_ago=40)
    data.reading(lead, objective, 75, days_ago=10)
    [source] = entry("monitoring-results").sources
    latest = date.today() - timedelta(days=10)
    assert source.label == f"Measurements of AI objectives: 2, latest {latest:%d %b %Y}"
    assert source.url == "/governance/measurements/"
    assert "6.2 AI objectives and plans" not in stage_1_failures()


def test_training_records_in_date_provide_the_evidence_of_competence(lead, owner):
    assert entry("competence-evidence").gap == "No training or competence record is kept."
    competence = data.competence(lead)
    today = date.today()
    data.training(
        lead,
        owner,
        competence,
        completed_on=today - timedelta(days=400),
        expires_on=today - timedelta(days=35),
    )
    assert entry("competence-evidence").gap == "None of the 1 training records is in date."
    assert stage_1_failures()["7.2 Evidence of competence"] == (
        "None of the 1 training records is in date."
    )
    data.training(lead, lead, competence)
    [source] = entry("competence-evidence").sources
    assert source.label == "Training and competence records: 2 (1 in date)"
    assert source.url == "/governance/training/matrix/"
    assert "7.2 Evidence of competence" not in stage_1_failures()


def test_the_page_shows_governance_records_and_gaps(client_for, auditor, lead, executive):
    data.approved_scope(lead, executive, [data.system(lead)])
    page = client_for(auditor).get("/controls/documented-information/").content.decode()
    assert "AIMS scope statement v1.0, approved" in page
    assert "No AI objective is set." in page
