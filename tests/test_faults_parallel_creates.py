"""Fault injection: 20 clients create records of one type at the same time, over HTTP, against
gunicorn on PostgreSQL. Every create answers 201 (no 5xx), no two records share a reference,
and the ledger verifies afterwards."""

import datetime
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from assessments.models import ImpactAssessment, Risk
from audits.models import CorrectiveAction, Finding
from integrity.services import chain_check, checkpoint_create
from registry.models import AISystem

from . import factories
from .live import session_for
from .test_audits_setup import ia, line  # noqa: F401  (fixture)
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CLIENTS = 20
EACH = 5


def create_in_parallel(base_url, user, path, body_for):
    """CLIENTS sessions, started together, each POSTing EACH bodies; returns the responses'
    (status, json) pairs."""
    sessions = [session_for(base_url, user) for _ in range(CLIENTS)]
    start = Barrier(CLIENTS)

    def run(n):
        start.wait()
        answers = []
        for i in range(EACH):
            response = sessions[n].post(f"{base_url}{path}", json=body_for(n, i), timeout=120)
            body = (
                response.json()
                if response.headers.get("Content-Type", "").startswith("application/json")
                else response.text[:300]
            )
            answers.append((response.status_code, body))
        return answers

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [a for answers in pool.map(run, range(CLIENTS)) for a in answers]
    server_errors = [r for r in results if r[0] >= 500]
    print(f"{path}: {len(results)} creates, {len(server_errors)} answered 5xx")
    return results


def assert_all_created(results, model, references=True):
    statuses = sorted({status for status, _ in results})
    assert statuses == [201], [r for r in results if r[0] != 201][:3]
    assert model.objects.count() == CLIENTS * EACH
    if references:
        refs = [body["reference"] for _, body in results]
        assert len(set(refs)) == len(refs), "duplicate references"
        assert model.objects.values("reference").distinct().count() == CLIENTS * EACH


def assert_ledger_verifies():
    checkpoint_create()  # the log verifies against a signed, time-stamped head
    checker = chain_check()
    assert checker.problems == [], checker.problems[:3]


def test_parallel_risk_creates(gunicorn, lead):
    results = create_in_parallel(
        gunicorn,
        lead,
        "/api/v1/assessments/risks/",
        lambda n, i: {
            "title": f"Risk {n}-{i}",
            "owner": lead.pk,
            "inherent_likelihood": 3,
            "inherent_impact": 4,
            "treatment": "mitigate",
            "treatment_plan": "Filter the outputs.",
            "residual_likelihood": 2,
            "residual_impact": 2,
        },
    )
    assert_all_created(results, Risk)
    assert_ledger_verifies()


def test_parallel_ai_system_creates(gunicorn, lead):
    results = create_in_parallel(
        gunicorn,
        lead,
        "/api/v1/registry/systems/",
        lambda n, i: {
            "slug": f"system-{n}-{i}",
            "name": f"System {n}-{i}",
            "owner": lead.pk,
            "contact": "owner@example.test",
            "purpose": "Answer questions",
            "data_sensitivity": "internal",
            "risk_tier": "low",
            "eu_ai_act_tier": "minimal",
        },
    )
    assert_all_created(results, AISystem, references=False)
    assert len({body["slug"] for _, body in results}) == CLIENTS * EACH
    assert_ledger_verifies()


def test_parallel_impact_assessment_creates(gunicorn, lead):
    system = factories.ai_system(lead)
    results = create_in_parallel(
        gunicorn,
        lead,
        "/api/v1/assessments/impact/",
        lambda n, i: {
            "system": system.pk,
            "owner": lead.pk,
            "purpose": f"Answer questions ({n}-{i})",
            "impacts": [{"category": "privacy", "description": "Leak", "likelihood": 2}],
        },
    )
    assert_all_created(results, ImpactAssessment)
    assert_ledger_verifies()


@pytest.fixture
def nonconformity(lead, ia):  # noqa: F811
    from audits import services

    audit = services.audit_transition(factories.audit(lead, ia), "start", actor=lead)
    return factories.record_line(line(audit, "9.2"), ia, "nonconformity")


def test_parallel_finding_creates(gunicorn, nonconformity, ia):  # noqa: F811
    results = create_in_parallel(
        gunicorn,
        ia,
        "/api/v1/audits/findings/",
        lambda n, i: {
            "checklist_line": nonconformity.pk,
            "kind": "minor_nc",
            "title": f"Finding {n}-{i}",
            "description": "Audit results were not reported to management.",
        },
    )
    assert_all_created(results, Finding)
    assert_ledger_verifies()


def test_parallel_corrective_action_creates(gunicorn, nonconformity, lead, ia):  # noqa: F811
    finding = factories.finding(nonconformity, ia)
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    results = create_in_parallel(
        gunicorn,
        lead,
        "/api/v1/audits/actions/",
        lambda n, i: {
            "finding": finding.pk,
            "title": f"Action {n}-{i}",
            "action": "Add the audit to the review agenda.",
            "root_cause": "The agenda has no audit item.",
            "owner": ia.pk,
            "due_date": due,
        },
    )
    assert_all_created(results, CorrectiveAction)
    assert_ledger_verifies()
