"""Management-system pages run a fixed number of SQL queries whatever the amount of data:
every list, detail and matrix page is measured at two data sizes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import exports, models, services

from . import governance_data as data

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured)

    return run


def fill(lead, executive, people, n):
    """``n`` records of every register, linked to ``people`` and to new systems."""
    systems = [data.system(lead) for _ in range(n)]
    scope = data.scope(lead, systems, systems_out=[data.system(lead)])
    if not models.ScopeStatement.objects.filter(status="approved").exists():
        scope = data.scope(lead, systems)
        scope = services.scope_transition(scope, "submit", actor=lead)
        services.scope_transition(scope, "approve", actor=executive)
    document = data.policy(lead, executive, ref=f"POL-{n:03d}")
    for person in people:
        services.policy_acknowledge(document, actor=person)
    competence = data.competence(lead, system=systems[0], validity_months=12)
    today = timezone.localdate()
    for i in range(n):
        data.issue(lead, title=f"Issue {i}", kind="internal" if i % 2 else "external")
        data.party(lead, name=f"Party {i}", how_addressed="" if i % 2 else "Covered")
        objective = data.objective(lead, title=f"Objective {i}")
        for day in range(3):
            data.reading(lead, objective, 50 + day, days_ago=day * 30)
        data.raci(lead, people[i % len(people)], activity=f"Activity {i}", role="R")
        data.raci(
            lead,
            people[(i + 1) % len(people)],
            process="",
            system=systems[i],
            activity=f"Watch {i}",
            role="A",
        )
        for person in people:
            data.training(
                lead,
                person,
                competence,
                activity=f"Course {i}",
                completed_on=today - timedelta(days=10 * i),
            )
        data.communication(lead, topic=f"Topic {i}", next_due=today + timedelta(days=i))
    return scope


URLS = [
    "/governance/context/",
    "/governance/parties/",
    "/governance/scope/",
    "/governance/acknowledgements/",
    "/governance/acknowledgements/status/",
    "/governance/raci/",
    "/governance/raci/matrix/",
    "/governance/objectives/",
    "/governance/measurements/",
    "/governance/competences/",
    "/governance/training/",
    "/governance/training/matrix/",
    "/governance/communication/",
    "/controls/soa/",
]

DETAILS = [
    models.ContextIssue,
    models.InterestedParty,
    models.ScopeStatement,
    models.PolicyAcknowledgement,
    models.RaciAssignment,
    models.Objective,
    models.Measurement,
    models.Competence,
    models.TrainingRecord,
    models.Communication,
]


def _details():
    return [m.objects.order_by("pk").first().get_absolute_url() for m in DETAILS]


def _pdf_jobs(lead):
    """A job page of each governance PDF (rendered inline in tests)."""
    scope = models.ScopeStatement.objects.order_by("pk").first()
    return [
        exports.document_export_request(actor=lead, document="scope", scope=scope),
        exports.document_export_request(actor=lead, document="objectives"),
        exports.document_export_request(actor=lead, document="training_matrix"),
    ]


def test_every_governance_page_keeps_its_query_count(
    measure, lead, executive, owner, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    people = [lead, executive, owner]
    fill(lead, executive, people, 1)
    details = _details() + [job.get_absolute_url() for job in _pdf_jobs(lead)]
    small = {url: measure(url) for url in URLS + details}
    more = [make_user("system_owner", username=f"staff{i}") for i in range(3)]
    fill(lead, executive, people + more, 6)
    large = {url: measure(url) for url in URLS + details}
    assert large == small


def test_the_dashboard_card_keeps_its_query_count(measure, lead, executive, owner):
    fill(lead, executive, [lead, owner], 1)
    small = measure("/")
    fill(lead, executive, [lead, owner, executive], 5)
    assert measure("/") == small
