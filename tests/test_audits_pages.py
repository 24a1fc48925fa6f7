"""Every audits page renders for every role on the demo data, with the right controls for
the role: read-only roles see no edit or create buttons and are refused the forms."""

import pytest
from django.urls import reverse

from assessments import demo as assessments_demo
from audits import demo
from audits.models import (
    Audit,
    AuditProgramme,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)
from controls import demo as controls_demo
from registry import demo as registry_demo

from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_data(users):
    registry_demo.load(users)
    assessments_demo.load(users)
    controls_demo.load(users)
    demo.load(users)
    return users


def record_pages():
    pages = []
    for model in (
        AuditProgramme,
        Audit,
        ChecklistLine,
        Finding,
        CorrectiveAction,
        ManagementReview,
        EvidenceItem,
    ):
        record = model.objects.order_by("pk").first()
        meta = model._meta
        pages += [
            record.get_absolute_url(),
            reverse("record-history", args=[meta.app_label, meta.model_name, record.pk]),
        ]
    return pages


LISTS = [
    "/audits/programmes/",
    "/audits/audits/",
    "/audits/checklist/",
    "/audits/findings/",
    "/audits/actions/",
    "/audits/reviews/",
    "/audits/evidence/",
]


@pytest.mark.parametrize("role", ["governance_lead", "auditor", "system_owner", "executive"])
def test_every_page_renders_for_every_role(demo_data, client, role):
    client.force_login(demo_data[role])
    for url in LISTS + record_pages():
        assert client.get(url).status_code == 200, url
    review = ManagementReview.objects.get()
    audit = Audit.objects.get(status="completed")
    for report in (
        f"/audits/audits/{audit.pk}/report/",
        f"/audits/reviews/{review.pk}/minutes/",
    ):
        response = client.post(report, {"format": "docx"})
        assert response.status_code == (403 if role == "system_owner" else 302)


def test_read_only_roles_see_no_writing_controls_and_cannot_open_forms(demo_data, client):
    client.force_login(demo_data["auditor"])
    finding = Finding.objects.filter(kind="major_nc").get()
    html = client.get(finding.get_absolute_url()).content.decode()
    assert "Add corrective action" not in html and "Add evidence" not in html
    for url in ("/audits/audits/new/", "/audits/findings/new/", "/audits/evidence/new/"):
        assert client.get(url).status_code == 403, url


def test_create_and_edit_forms_render_for_the_lead(demo_data, client):
    client.force_login(demo_data["governance_lead"])
    planned = Audit.objects.get(status="planned")
    action = CorrectiveAction.objects.filter(status="in_progress").first()
    finding = Finding.objects.filter(status="open").first()
    entry_evidence = "/audits/evidence/new/?soa_entry=1"
    for url in (
        "/audits/programmes/new/",
        "/audits/audits/new/",
        f"/audits/audits/{planned.pk}/edit/",
        f"/audits/actions/new/?finding={finding.pk}",
        f"/audits/actions/{action.pk}/edit/",
        "/audits/reviews/new/",
        "/audits/evidence/new/",
        entry_evidence,
        f"/audits/evidence/new/?finding={finding.pk}",
    ):
        assert client.get(url).status_code == 200, url


def test_the_demo_review_and_the_dashboard_show_the_overdue_action(demo_data, client):
    client.force_login(demo_data["executive"])
    late = next(a for a in CorrectiveAction.objects.all() if a.is_overdue)
    home = client.get("/").content.decode()
    assert "Open findings by type" in home and "Corrective actions" in home
    listing = client.get("/audits/actions/?overdue=true").content.decode()
    assert late.reference in listing
