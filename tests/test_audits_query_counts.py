"""Audits pages and endpoints run a fixed number of SQL queries at a small and a large data
size: more findings, corrective actions, evidence items and checklist lines add no query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits import services
from audits.models import CorrectiveAction, Finding
from controls.models import Control

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import TODAY, line

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12


@pytest.fixture
def measure(client, lead):
    client.force_login(lead)

    def run(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured), response

    return run


@pytest.fixture
def world(started_audit, lead, ia, ia2):
    """An audit in progress with nonconforming and observed lines, and a review."""
    factories.record_line(line(started_audit, "9.2"), ia, "nonconformity")
    factories.record_line(line(started_audit, "10.2"), ia, "observation")
    review = factories.management_review(lead, lead)
    return {"audit": started_audit, "review": review}


def grow(world, lead, ia, ia2, start, stop):
    """Findings with an action and an evidence item each; some actions overdue; more lines."""
    audit = world["audit"]
    audit.refresh_from_db()
    controls = list(Control.objects.order_by("sort_key")[: 1 + stop])
    services.audit_update(
        audit, actor=lead, data={"controls": controls}, expected_version=audit.version, reason="+"
    )
    nc, observed = line(audit, "9.2"), line(audit, "10.2")
    for i in range(start, stop):
        finding = factories.finding(
            nc if i % 2 else observed,
            ia,
            kind="minor_nc" if i % 2 else "observation",
            title=f"Finding {i}",
        )
        action = factories.corrective_action(
            lead, ia2 if i % 2 else lead, finding=finding, title=f"Action {i}"
        )
        if i % 3 == 0:
            CorrectiveAction.objects.filter(pk=action.pk).update(
                due_date=TODAY - datetime.timedelta(days=i + 1)
            )
        factories.corrective_action(lead, ia2, review=world["review"], title=f"Review action {i}")
        services.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": f"Proof {i}",
                "url": "https://e.example/x",
                "finding": finding,
            },
        )
        services.evidence_add(
            actor=lead,
            data={
                "kind": "link",
                "title": f"Line proof {i}",
                "url": "https://e.example/y",
                "checklist_line": nc,
            },
        )


PAGES = [
    "/audits/programmes/",
    "/audits/audits/",
    "/audits/checklist/",
    "/audits/findings/",
    "/audits/findings/?status=open&kind=minor_nc",
    "/audits/actions/",
    "/audits/actions/?overdue=true",
    "/audits/actions/?_export=csv",
    "/audits/reviews/",
    "/audits/evidence/",
    "/",
    "/api/v1/audits/programmes/",
    "/api/v1/audits/audits/",
    "/api/v1/audits/checklist-lines/",
    "/api/v1/audits/findings/",
    "/api/v1/audits/actions/",
    "/api/v1/audits/reviews/",
    "/api/v1/audits/evidence/",
]


@pytest.mark.parametrize("url", PAGES)
def test_list_query_count_is_constant(measure, world, lead, ia, ia2, url):
    grow(world, lead, ia, ia2, 0, SMALL)
    small, _ = measure(url)
    grow(world, lead, ia, ia2, SMALL, LARGE)
    large, _ = measure(url)
    assert large == small


def detail_urls(world):
    audit = world["audit"]
    finding = Finding.objects.order_by("pk").first()
    action = finding.corrective_actions.first()
    evidence = finding.evidence_items.first()
    return [
        audit.get_absolute_url(),
        f"/audits/audits/{audit.pk}/edit/",
        line(audit, "9.2").get_absolute_url(),
        finding.get_absolute_url(),
        action.get_absolute_url(),
        world["review"].get_absolute_url(),
        evidence.get_absolute_url(),
        audit.programme.get_absolute_url(),
        f"/api/v1/audits/audits/{audit.pk}/",
        f"/api/v1/audits/reviews/{world['review'].pk}/",
    ]


def test_detail_query_counts_are_constant(measure, world, lead, ia, ia2):
    grow(world, lead, ia, ia2, 0, SMALL)
    urls = detail_urls(world)
    small = {url: measure(url)[0] for url in urls}
    grow(world, lead, ia, ia2, SMALL, LARGE)
    large = {url: measure(url)[0] for url in urls}
    assert large == small


def test_a_completed_review_page_reads_no_live_figures(measure, world, lead, ia, ia2):
    grow(world, lead, ia, ia2, 0, SMALL)
    review = services.review_complete(world["review"], actor=lead)
    small, _ = measure(review.get_absolute_url())
    grow(world, lead, ia, ia2, SMALL, LARGE)
    large, response = measure(review.get_absolute_url())
    assert large == small
    assert response.context["frozen"] is True
