"""Assessment and risk pages run a fixed number of SQL queries at two data sizes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services

from . import factories

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url, **headers):
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        assert response.status_code == 200, url
        return len(captured), response

    return run


def add_risks(lead, users, systems, start, stop):
    people = list(users.values())
    for i in range(start, stop):
        factories.risk(
            lead,
            title=f"Risk {i:03}",
            owner=people[i % len(people)],
            systems=systems[: 1 + i % len(systems)],
            inherent_likelihood=1 + i % 5,
            inherent_impact=1 + (i * 3) % 5,
        )


def add_assessments(lead, users, start, stop):
    people = list(users.values())
    for i in range(start, stop):
        factories.impact_assessment(lead, owner=people[i % len(people)])


@pytest.fixture
def systems(lead):
    return [factories.ai_system(lead) for _ in range(3)]


@pytest.mark.parametrize(
    "url",
    [
        "/assessments/risks/",
        "/assessments/risks/?inherent_level=Medium&sort=-residual_score",
        "/assessments/risks/?inherent_likelihood=3&inherent_impact=3",
        "/assessments/risks/?_export=csv",
        "/assessments/risks/?_export=xlsx",
        "/api/v1/assessments/risks/",
    ],
)
def test_risk_register_query_count_is_constant(measure, lead, users, systems, url):
    add_risks(lead, users, systems, 0, SMALL)
    small, _ = measure(url)
    add_risks(lead, users, systems, SMALL, LARGE)
    large, _ = measure(url)
    assert large == small


@pytest.mark.parametrize("url", ["/assessments/impact/", "/api/v1/assessments/impact/"])
def test_assessment_list_query_count_is_constant(measure, lead, users, url):
    add_assessments(lead, users, 0, SMALL)
    small, _ = measure(url)
    add_assessments(lead, users, SMALL, LARGE)
    large, _ = measure(url)
    assert large == small


def test_assessment_pages_query_count_is_constant_in_impacts_and_revisions(
    measure, lead, executive
):
    few = [factories.COMPLETE_IMPACT] * 2
    assessment = factories.impact_assessment(lead, impacts=few)
    pages = ("", "edit/")
    small = [measure(f"{assessment.get_absolute_url()}{p}")[0] for p in pages]
    many = [{**factories.COMPLETE_IMPACT, "description": f"Impact {n}"} for n in range(25)]
    assessment = services.assessment_update(
        assessment, actor=lead, data={"impacts": many}, expected_version=1, reason="More"
    )
    large = [measure(f"{assessment.get_absolute_url()}{p}")[0] for p in pages]
    assert large == small


def test_assessment_detail_query_count_is_constant_in_revisions(measure, lead, executive):
    assessment = factories.impact_assessment(lead)
    first = assessment

    def approve_and_revise(record):
        record = services.assessment_transition(record, "submit", actor=lead)
        services.assessment_transition(record, "approve", actor=executive)
        return services.assessment_revise(record, actor=lead)

    assessment = approve_and_revise(assessment)
    small, _ = measure(first.get_absolute_url())
    for _ in range(6):
        assessment = approve_and_revise(assessment)
    large, response = measure(first.get_absolute_url())
    assert len(response.context["revisions"]) == 8
    assert large == small


def test_risk_detail_query_count_is_constant(measure, lead, users, systems):
    [risk] = [factories.risk(lead, systems=systems[:1])]
    small, _ = measure(risk.get_absolute_url())
    more = [factories.ai_system(lead) for _ in range(10)]
    risk = services.risk_update(
        risk, actor=lead, data={"systems": systems + more}, expected_version=1, reason="All"
    )
    large, response = measure(risk.get_absolute_url())
    assert len(response.context["systems"]) == 13
    assert large == small


def test_pdf_query_count_is_constant(client, lead):
    """The request and the rendering (inline in tests: the worker's part too)."""
    client.force_login(lead)
    assessment = factories.impact_assessment(lead)
    url = f"/assessments/impact/{assessment.pk}/document/"

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"format": "pdf"})
        assert response.status_code == 302
        return len(captured)

    count()
    small = count()
    many = [factories.COMPLETE_IMPACT] * 20
    services.assessment_update(
        assessment, actor=lead, data={"impacts": many}, expected_version=1, reason="More"
    )
    large = count()
    assert large == small


def test_system_page_with_assessment_and_risk_panels_query_count_is_constant(
    measure, lead, users, systems
):
    system = systems[0]
    factories.impact_assessment(lead, system=system)
    add_risks(lead, users, [system], 0, SMALL)
    small, _ = measure(system.get_absolute_url())
    for _ in range(5):
        factories.impact_assessment(lead, system=system)
    add_risks(lead, users, [system], SMALL, LARGE)
    large, _ = measure(system.get_absolute_url())
    assert large == small


def test_dashboard_query_count_is_constant_with_risks(measure, lead, users, systems):
    add_risks(lead, users, systems, 0, SMALL)
    small, _ = measure("/")
    add_risks(lead, users, systems, SMALL, LARGE)
    large, response = measure("/")
    assert "Risks by residual level" in response.content.decode()
    assert large == small
