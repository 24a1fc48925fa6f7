"""The pages and endpoints of requirement compliance, documented information and the
certification cycle run a fixed number of SQL queries at a small and a large data size."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services as audits
from audits.models import CertificationAudit
from controls import services as controls
from controls.models import ControlledDocument, Requirement

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

TODAY = date.today()
DAY = timedelta(days=1)


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(captured)

    return run


def grow_requirements(lead, start, stop):
    """Give requirements an owner, evidence references and evidence items."""
    for req in Requirement.objects.order_by("sort_key")[start:stop]:
        audits.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": f"Proof {req.ref}",
                "url": "https://ev.example/1",
                "requirement": req,
            },
        )
        controls.requirement_update(
            req,
            actor=lead,
            data={"status": "partial", "owner": lead, "evidence": [f"EV-{req.ref}", "Wiki"]},
            expected_version=req.version,
            reason="Bench",
        )


def certified(lead, body):
    """A completed stage 1 and stage 2 and the certificate they led to."""
    start = TODAY - 400 * DAY
    for kind, offset, outcome in (("stage1", 0, "proceed"), ("stage2", 30, "recommended")):
        factories.certification_audit(
            lead,
            body,
            kind,
            start=start + offset * DAY,
            status="completed",
            completed_on=start + (offset + 1) * DAY,
            outcome=outcome,
        )
    return audits.certificate_create(
        actor=lead,
        data={
            "number": "C-1",
            "granted_by": body.audits.get(kind="stage2"),
            "scope": "All AI systems",
            "issued_on": start + 40 * DAY,
            "expires_on": start + 1135 * DAY,
            "owner": lead,
        },
    )


def grow_certification(lead, stage_1, n, start=0):
    """``n`` more bodies, findings of the stage 1 audit and documents that provide an item
    of the documented-information list."""
    for i in range(start, start + n):
        factories.certification_body(lead, name=f"Body {i}")
        audits.certification_finding_raise(
            actor=lead,
            data={
                "certification_audit": stage_1,
                "requirement": Requirement.objects.first(),
                "kind": "ofi",
                "title": f"Idea {i}",
                "description": "d",
            },
        )
        controls.document_create(
            actor=lead,
            data={
                "ref": f"D-{i}",
                "title": f"Doc {i}",
                "owner": lead,
                "kind": "record",
                "information": "ai-objectives",
            },
        )
    ControlledDocument.objects.update(status="approved")


def test_requirement_list_and_detail(measure, lead):
    grow_requirements(lead, 0, 2)
    req = Requirement.objects.order_by("sort_key").first()
    small = [
        measure(u)
        for u in (
            "/controls/clauses/",
            req.get_absolute_url(),
            "/controls/clauses/?_export=xlsx",
            "/api/v1/controls/clauses/",
        )
    ]
    grow_requirements(lead, 2, 20)
    for _ in range(5):
        audits.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": "More",
                "url": "https://ev.example/2",
                "requirement": req,
            },
        )
    large = [
        measure(u)
        for u in (
            "/controls/clauses/",
            req.get_absolute_url(),
            "/controls/clauses/?_export=xlsx",
            "/api/v1/controls/clauses/",
        )
    ]
    assert large == small


def test_certification_pages(measure, lead):
    body = factories.certification_body(lead)
    certificate = certified(lead, body)
    audit = CertificationAudit.objects.get(kind="stage1")
    grow_certification(lead, audit, 2)
    urls = (
        "/audits/certification/bodies/",
        body.get_absolute_url(),
        "/audits/certification/audits/",
        audit.get_absolute_url(),
        "/audits/certification/certificates/",
        certificate.get_absolute_url(),
        "/api/v1/audits/certificates/",
        "/audits/findings/?source=certification",
        "/api/v1/audits/certification-audits/",
        "/controls/documented-information/",
        "/api/v1/controls/documented-information/",
        "/readiness/",
    )
    small = [measure(u) for u in urls]
    grow_certification(lead, audit, 10, start=10)
    large = [measure(u) for u in urls]
    assert large == small


def grow_management_system(lead, executive, system, n, start=0):
    """``n`` more of each management-system record that provides an item of the list:
    approved scope statements, approved policies with acknowledgements, RACI lines,
    objectives with readings, training records."""
    from governance import services as governance

    from . import governance_data as data

    competence = data.competence(lead, name=f"Competence {start}")
    for i in range(start, start + n):
        data.approved_scope(lead, executive, [system])
        policy = data.policy(lead, executive, ref=f"POL-{i}")
        governance.policy_acknowledge(policy, actor=lead)
        data.raci(lead, lead, activity=f"Activity {i}")
        objective = data.objective(lead, title=f"Objective {i}")
        data.reading(lead, objective, 50 + i, days_ago=i)
        data.training(lead, lead, competence, activity=f"Course {i}")


def test_documented_information_with_management_system_records(measure, lead, executive):
    """The governance providers read a fixed number of rows: the list, its API, the
    readiness page and a PDF job's page run the same queries at two sizes."""
    system = factories.ai_system(lead)
    grow_management_system(lead, executive, system, 2)
    job = controls.information_list_export_request(actor=lead)
    urls = (
        "/controls/documented-information/",
        "/api/v1/controls/documented-information/",
        "/readiness/",
        job.get_absolute_url(),
    )
    small = [measure(u) for u in urls]
    grow_management_system(lead, executive, system, 10, start=10)
    large = [measure(u) for u in urls]
    assert large == small
