"""Certification readiness: each check passes on good records and fails,
naming the record, on bad ones; the page and the dashboard show the score."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aims_portal import dashboard, readiness
from assessments import services as assessments
from assessments.models import ImpactAssessment
from registry import services as registry
from registry.models import AISystem, ChangeRequest, Supplier

from . import factories

pytestmark = pytest.mark.django_db

OURS = [
    "inventory-machine-readable",
    "owner-and-contact",
    "impact-assessment-per-system",
    "training-data-provenance",
    "rag-corpus-versioning",
    "model-changes-reviewed",
    "log-retention",
    "quality-safety-monitoring",
    "incident-runbook-tested",
    "supplier-due-diligence",
    "high-risk-sign-off",
]


def result(key):
    return next(r for r in readiness.run_checks() if r.key == key)


def failing(key):
    return {(f.label, f.problem) for f in result(key).failures}


def in_production(lead, **fields):
    system = factories.ai_system(lead, **fields)
    return registry.system_write(system, actor=lead, reason="Live", stage="production")


def source(lead, system, **data):
    return registry.data_source_create(
        actor=lead, data={"system": system, "kind": "training", "name": "Tickets 2025", **data}
    )


def test_our_eleven_checks_are_registered_in_the_order_of_the_design():
    keys = [r.key for r in readiness.run_checks()]
    assert [k for k in keys if k in OURS] == OURS


# 1. machine-readable inventory


def test_an_empty_inventory_is_not_ready():
    assert not result("inventory-machine-readable").passed


def test_complete_systems_are_machine_readable(lead):
    factories.ai_system(lead)
    assert result("inventory-machine-readable").passed


def test_a_system_that_breaks_the_registry_schema_is_named(lead):
    factories.ai_system(lead)
    broken = factories.ai_system(lead)
    AISystem.objects.filter(pk=broken.pk).update(purpose="", contact="not an address")
    [(label, problem)] = failing("inventory-machine-readable")
    assert broken.slug in label
    assert "purpose" in problem and "contact" in problem


# 2. owner and contact


def test_owner_and_contact_pass_when_present(lead):
    factories.ai_system(lead)
    assert result("owner-and-contact").passed


def test_missing_contact_and_departed_owner_fail(lead, make_user):
    leaver = make_user("system_owner", username="leaver")
    system = factories.ai_system(lead, owner=leaver)
    AISystem.objects.filter(pk=system.pk).update(contact="")
    leaver.is_active = False
    leaver.save()
    [(_, problem)] = failing("owner-and-contact")
    assert "leaver is no longer an active user" in problem
    assert "no contact address" in problem


# 3. impact assessment per system


def approved_assessment(lead, executive, system, **overrides):
    assessment = factories.impact_assessment(lead, system=system, **overrides)
    assessments.assessment_transition(assessment, "submit", actor=lead)
    return assessments.assessment_transition(assessment, "approve", actor=executive)


def test_a_system_with_an_approved_assessment_passes(lead, executive):
    approved_assessment(lead, executive, factories.ai_system(lead))
    assert result("impact-assessment-per-system").passed


def test_systems_without_a_valid_assessment_fail_with_the_reason(lead, executive):
    none = factories.ai_system(lead, name="No assessment")
    draft = factories.ai_system(lead, name="Draft only")
    factories.impact_assessment(lead, system=draft)
    stale = factories.ai_system(lead, name="Stale")
    old = approved_assessment(lead, executive, stale)
    ImpactAssessment.objects.filter(pk=old.pk).update(
        next_review=timezone.localdate() - timedelta(days=1)
    )
    flagged = factories.ai_system(lead, name="Flagged")
    approved = approved_assessment(lead, executive, flagged)
    ImpactAssessment.objects.filter(pk=approved.pk).update(needs_reassessment=True)
    retired = factories.ai_system(lead, name="Gone")
    registry.system_write(retired, actor=lead, reason="Retired", stage="retired")
    problems = {
        label.split(" (")[0]: problem for label, problem in failing("impact-assessment-per-system")
    }
    assert problems["No assessment"] == "no impact assessment"
    assert problems["Draft only"].endswith("is draft, not approved")
    assert "was due for review on" in problems["Stale"]
    assert problems["Flagged"].endswith("is flagged for re-assessment")
    assert "Gone" not in problems
    assert none.get_absolute_url() in {
        f.url for f in result("impact-assessment-per-system").failures
    }


# 4. training data provenance


def test_no_training_data_passes_with_a_note(lead):
    factories.ai_system(lead)
    checked = result("training-data-provenance")
    assert checked.passed and "No training" in checked.note


def test_training_sources_need_provenance_and_licence(lead):
    system = factories.ai_system(lead)
    source(lead, system, name="Documented", provenance="Our tickets, consented", licence="internal")
    source(lead, system, name="Unknown origin", kind="fine_tuning")
    [(label, problem)] = failing("training-data-provenance")
    assert label.startswith("Unknown origin")
    assert problem == "no provenance and no licence"


# 5. RAG corpus versioning and access logging


def test_a_logged_and_versioned_corpus_passes(lead):
    system = in_production(lead)
    source(lead, system, kind="rag", name="Help centre", access_logging="audit-log index rag-reads")
    registry.model_version_create(
        actor=lead, data={"system": system, "label": "v1", "data_snapshot": "help-centre@2026-10"}
    )
    assert result("rag-corpus-versioning").passed


def test_unlogged_corpus_and_unversioned_system_fail(lead):
    system = in_production(lead, name="Assistant")
    source(lead, system, kind="rag", name="Help centre")
    registry.model_version_create(actor=lead, data={"system": system, "label": "v1"})
    problems = failing("rag-corpus-versioning")
    assert any(label.startswith("Help centre") and "logged" in p for label, p in problems)
    assert any(label.startswith("Assistant") and "corpus version" in p for label, p in problems)


# 6. model changes reviewed with policy checks


def test_versions_after_the_first_need_an_approved_change(lead):
    system = factories.ai_system(lead)
    registry.model_version_create(
        actor=lead,
        data={"system": system, "label": "v1", "deployed_at": timezone.now() - timedelta(days=9)},
    )
    assert result("model-changes-reviewed").passed
    registry.model_version_create(actor=lead, data={"system": system, "label": "v2"})
    [(label, problem)] = failing("model-changes-reviewed")
    assert "v2" in label and problem == "deployed without an approved change request"


def test_a_change_approved_despite_a_failed_policy_is_named(lead):
    change = factories.change_request(lead, factories.ai_system(lead), target_stage="development")
    ChangeRequest.objects.filter(pk=change.pk).update(status="approved", policy_passed=False)
    [(label, problem)] = failing("model-changes-reviewed")
    assert label.startswith(f"CR-{change.pk}") and "policy" in problem


# 7-9. operation of systems in production


@pytest.mark.parametrize(
    "key", ["log-retention", "quality-safety-monitoring", "incident-runbook-tested"]
)
def test_operation_checks_pass_with_a_note_when_nothing_is_in_production(lead, key):
    factories.ai_system(lead)
    checked = result(key)
    assert checked.passed and "production" in checked.note


def test_log_retention_must_be_stated(lead):
    in_production(lead, name="Kept", log_retention_days=90)
    in_production(lead, name="Silent")
    assert [label.split(" (")[0] for label, _ in failing("log-retention")] == ["Silent"]


def test_zero_days_is_a_stated_retention(lead):
    in_production(lead, log_retention_days=0)
    assert result("log-retention").passed


def test_monitoring_must_be_described(lead):
    in_production(lead, name="Watched", monitoring="Weekly groundedness sample, alert at 5%")
    in_production(lead, name="Unwatched")
    assert [label.split(" (")[0] for label, _ in failing("quality-safety-monitoring")] == [
        "Unwatched"
    ]


def test_runbooks_must_exist_and_be_tested_within_a_year(lead):
    today = timezone.localdate()
    in_production(lead, name="Drilled", incident_runbook="RB-7", runbook_tested_on=today)
    in_production(lead, name="No runbook")
    in_production(lead, name="Untested", incident_runbook="RB-8")
    in_production(
        lead,
        name="Old drill",
        incident_runbook="RB-9",
        runbook_tested_on=today - timedelta(days=500),
    )
    problems = {label.split(" (")[0]: p for label, p in failing("incident-runbook-tested")}
    assert problems == {
        "No runbook": "no incident runbook",
        "Untested": "the runbook has never been tested",
        "Old drill": f"the runbook was last tested on {today - timedelta(days=500):%d %b %Y}",
    }


# 10. supplier due diligence


def test_no_suppliers_passes_with_a_note():
    checked = result("supplier-due-diligence")
    assert checked.passed and checked.note


def test_suppliers_need_due_diligence_and_a_current_review(lead):
    good = factories.supplier(lead, name="Vetted")
    conditional = factories.supplier(lead, name="Conditional")
    factories.supplier(lead, name="Unvetted")
    late = factories.supplier(lead, name="Late")
    Supplier.objects.filter(pk=good.pk).update(due_diligence_status="approved")
    Supplier.objects.filter(pk=conditional.pk).update(due_diligence_status="conditional")
    Supplier.objects.filter(pk=late.pk).update(
        due_diligence_status="approved", next_review=timezone.localdate() - timedelta(days=2)
    )
    problems = dict(failing("supplier-due-diligence"))
    assert problems.keys() == {"Unvetted", "Late"}
    assert problems["Unvetted"] == "due diligence: not started"
    assert "overdue" in problems["Late"]


# 11. DPO and security sign-off


def test_no_high_risk_system_passes_with_a_note(lead):
    factories.ai_system(lead, risk_tier="low")
    checked = result("high-risk-sign-off")
    assert checked.passed and checked.note


def test_high_risk_systems_need_both_sign_offs_recorded(lead):
    signed = factories.ai_system(lead, name="Signed", risk_tier="critical")
    factories.sign_off(signed, "dpo")
    factories.sign_off(signed, "security_officer")
    half = factories.ai_system(lead, name="Half", risk_tier="high")
    factories.sign_off(half, "dpo")
    # Typed approvals are not sign-offs.
    factories.ai_system(
        lead, name="EU high", eu_ai_act_tier="high", approved_by=["dpo:Dana", "security:Sam"]
    )
    problems = {label.split(" (")[0]: p for label, p in failing("high-risk-sign-off")}
    assert problems == {
        "Half": "no security officer sign-off",
        "EU high": "no data protection officer and no security officer sign-off",
    }


def test_a_sign_off_of_an_earlier_version_does_not_count(lead):
    from registry import services

    system = factories.ai_system(lead, name="Edited", risk_tier="high")
    factories.sign_off(system, "dpo")
    factories.sign_off(system, "security_officer")
    assert "Edited" not in {label.split(" (")[0] for label, _ in failing("high-risk-sign-off")}
    services.ai_system_update(
        system,
        actor=lead,
        data={"endpoint": "https://e.example"},
        expected_version=system.version,
        reason="Moved",
    )
    problems = {label.split(" (")[0]: p for label, p in failing("high-risk-sign-off")}
    assert problems["Edited"] == "no data protection officer and no security officer sign-off"


# the page and the dashboard


def test_the_page_lists_failing_records_with_links_and_the_score(lead, auditor, client_for):
    system = factories.ai_system(lead, name="Unassessed")
    page = client_for(auditor).get("/readiness/")
    html = page.content.decode()
    assert page.status_code == 200
    total = len(readiness.run_checks())
    assert f"Score: {page.context['passed']} of {total} checks pass" in html
    assert f'href="{system.get_absolute_url()}"' in html
    assert 'id="impact-assessment-per-system"' in html
    assert "no impact assessment" in html


def test_the_dashboard_card_shows_the_score_and_links_failing_checks(lead):
    readiness.forget()
    factories.ai_system(lead)
    card = next(c for c in dashboard.cards_for(lead) if c.title == "Certification readiness")
    results = readiness.run_checks()
    passed = sum(r.passed for r in results)
    assert card.headline == f"{passed} / {len(results)} checks pass"
    assert {(row.url, row.count) for row in card.rows} == {
        (f"/readiness/#{r.key}", len(r.failures)) for r in results if not r.passed
    }
    readiness.forget()


def test_visiting_the_page_refreshes_the_dashboard_score(lead, owner, client_for):
    readiness.forget()
    factories.ai_system(lead, owner=owner)
    before = readiness.summary().passed
    owner.is_active = False  # the system's owner leaves: only owner-and-contact changes
    owner.save()
    assert readiness.summary().passed == before  # kept for a few minutes
    client_for(lead).get("/readiness/")
    assert readiness.summary().passed == before - 1
    readiness.forget()


def test_beat_task_refreshes_the_kept_score(lead):
    from django.core.cache import cache

    from aims_portal.tasks import refresh_readiness

    readiness.forget()
    passed = refresh_readiness.delay().get()
    kept = cache.get(readiness.SUMMARY_CACHE_KEY)
    assert kept is not None
    assert (kept.passed, kept.total) == (passed, len(readiness.run_checks()))
