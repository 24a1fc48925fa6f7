"""Preparing for certification in a real browser: a governance lead takes an empty portal to
"ready for stage 1" (requirements, documented information, certification body and stage 1),
and an auditor reads the new pages without any way to change them. axe on every page."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from audits.models import CertificationAudit
from controls import services as controls
from controls.catalogue import soa_document
from controls.models import ControlledDocument, Requirement

from . import factories
from .axe import AxeAudit
from .browser import log_in, screenshot
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = date.today()


@pytest.fixture
def people(make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    executive = make_user("executive", username="erin", first_name="Erin", last_name="Exec")
    auditor = make_user("auditor", username="audrey", first_name="Audrey", last_name="Auditor")
    return lead, executive, auditor


def milestone(page, key):
    return page.locator(f"#milestone-{key}")


def approved_document(lead, executive, ref, title, information):
    document = controls.document_create(
        actor=lead,
        data={
            "ref": ref,
            "title": title,
            "kind": "record",
            "owner": lead,
            "information": information,
            "review_date": TODAY + timedelta(days=300),
        },
    )
    document = controls.document_transition(document, "submit", actor=lead)
    controls.document_transition(document, "approve", actor=executive, reason="Approved")


def test_a_lead_prepares_an_empty_portal_for_stage_1(page, people):
    lead, executive, _ = people
    axe = AxeAudit()
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/readiness/")
    expect(milestone(page, "stage-1").get_by_text("Not ready")).to_be_visible()
    expect(
        milestone(page, "stage-1").get_by_role(
            "link", name="Certification body chosen and stage 1 planned"
        )
    ).to_be_visible()
    axe.check(page)
    screenshot(page, "certification-01-readiness-empty")

    # A requirement is marked met: refused without evidence, then saved with it.
    req = Requirement.objects.get(ref="5.2")
    page.goto("/controls/clauses/")
    axe.check(page)
    page.goto(f"/controls/clauses/{req.pk}/edit/")
    page.get_by_label("Compliance status").select_option("met")
    page.get_by_label("Owner").select_option(str(lead.pk))
    page.get_by_label("Reason for this change").fill("Policy approved by the board")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("A requirement is met only with evidence")).to_be_visible()
    axe.check(page, "requirement edit (refused)")
    screenshot(page, "certification-02-requirement-refused")
    page.get_by_label("Evidence references").fill("POL-001 AI policy v1.0")
    page.get_by_label("Last reviewed").fill(TODAY.isoformat())
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="5.2 AI policy")).to_be_visible()
    expect(page.get_by_text("Met", exact=True).first).to_be_visible()
    assert Requirement.objects.get(ref="5.2").status == "met"
    axe.check(page)

    # The other 26 requirements get an owner and a plan through the same service.
    for other in Requirement.objects.exclude(ref="5.2"):
        controls.requirement_update(
            other,
            actor=lead,
            data={"status": "planned", "owner": lead},
            expected_version=other.version,
            reason="Owner named at the kick-off",
        )

    # A controlled document provides an item of the documented-information list.
    page.goto("/controls/documents/new/")
    page.get_by_label("ID").fill("REC-010")
    page.get_by_label("Title").fill("Competence and training records")
    page.get_by_label("Kind").select_option("record")
    page.get_by_label("Owner").select_option(str(lead.pk))
    page.get_by_label("Next review").fill((TODAY + timedelta(days=365)).isoformat())
    page.get_by_label("Documented information").select_option("competence-evidence")
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("heading", name="REC-010 Competence and training records")
    ).to_be_visible()
    document = ControlledDocument.objects.get(ref="REC-010")
    assert document.information == "competence-evidence"
    document = controls.document_transition(document, "submit", actor=lead)
    controls.document_transition(document, "approve", actor=executive, reason="Approved")

    # The rest of the design, recorded in the registers the portal already has.
    factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    system = factories.ai_system(lead, slug="credit-scoring", name="Credit scoring")
    factories.approved_assessment(lead, system, approver_user=executive)
    factories.risk(lead)
    soa = soa_document()
    controls.soa_document_update(
        soa,
        actor=lead,
        data={"scope": "Customer service and credit AI, Hamburg and Leeds"},
        expected_version=soa.version,
        reason="Scope agreed",
    )
    factories.soa_decide_all(lead)
    factories.soa_approve(lead, executive, reason="First SoA")
    approved_document(lead, executive, "POL-001", "AI policy", "ai-policy")
    approved_document(lead, executive, "STD-005", "AIMS roles", "roles-responsibilities")
    approved_document(lead, executive, "PLN-003", "AI objectives", "ai-objectives")

    page.goto("/controls/documented-information/")
    design = page.get_by_role("region", name="Read at the stage 1 review: the design of the AIMS")
    expect(design.get_by_text("Gap")).to_have_count(0)
    expect(
        design.get_by_role("link", name="REC-010 Competence and training records (v0.1)")
    ).to_be_visible()
    axe.check(page)
    screenshot(page, "certification-03-documented-information")
    # The list's PDF is rendered by a background job: the button opens the job's page.
    page.get_by_role("button", name="PDF").click()
    expect(page.get_by_role("heading", name="Documented-information list (PDF)")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    axe.check(page)
    screenshot(page, "certification-03b-documented-information-pdf")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.startswith("documented-information-")

    # The certification body, then its audits: stage 2 cannot come first.
    page.goto("/audits/certification/bodies/new/")
    page.get_by_label("Name").fill("Nordcert Assurance")
    page.get_by_label("Accreditation").fill("DAkkS D-ZM-21044-01")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Nordcert Assurance")).to_be_visible()
    page.goto("/audits/certification/audits/new/")
    page.get_by_label("Certification body").select_option(label="Nordcert Assurance")
    page.get_by_label("Audit", exact=True).select_option("stage2")
    page.get_by_label("Planned start").fill((TODAY + timedelta(days=30)).isoformat())
    page.get_by_label("Planned end").fill((TODAY + timedelta(days=31)).isoformat())
    page.get_by_label("Coordinator").select_option(str(lead.pk))
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Plan the stage 1 audit first")).to_be_visible()
    assert not CertificationAudit.objects.exists()
    axe.check(page, "certification audit form (refused)")
    screenshot(page, "certification-04-stage-2-first-refused")
    page.get_by_label("Audit", exact=True).select_option("stage1")
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_role("heading", name="Stage 1 (documentation and readiness)")
    ).to_be_visible()
    axe.check(page)

    page.goto("/readiness/")
    expect(milestone(page, "stage-1").get_by_text("Ready", exact=True)).to_be_visible()
    expect(milestone(page, "stage-2").get_by_text("Not ready")).to_be_visible()
    axe.check(page)
    screenshot(page, "certification-05-ready-for-stage-1")
    axe.assert_clean()


def test_an_auditor_reads_the_new_pages_read_only(page, people):
    lead, _, _ = people
    body = factories.certification_body(lead, name="Nordcert Assurance")
    start = TODAY - timedelta(days=20)
    stage_1 = factories.certification_audit(
        lead,
        body,
        "stage1",
        start=start,
        status="completed",
        completed_on=start + timedelta(days=1),
        outcome="proceed",
        report_summary="Documentation complete; objectives need measures.",
    )
    from audits import services as audits

    audits.certification_finding_raise(
        actor=lead,
        data={
            "certification_audit": stage_1,
            "requirement": Requirement.objects.get(ref="6.2"),
            "kind": "minor_nc",
            "title": "Objectives without measures",
            "description": "Two of five objectives have no measure.",
        },
    )
    req = Requirement.objects.get(ref="9.2")
    controls.requirement_update(
        req,
        actor=lead,
        data={"status": "partial", "owner": lead, "notes": "Programme set."},
        expected_version=req.version,
        reason="Programme approved",
    )
    axe = AxeAudit()
    log_in(page, "audrey", factories.PASSWORD)
    pages = [
        ("/controls/clauses/", "Clauses 4 to 10"),
        (req.get_absolute_url(), "9.2 Internal audit"),
        ("/controls/documented-information/", "Documented information"),
        ("/audits/certification/bodies/", "Certification bodies"),
        ("/audits/certification/audits/", "Certification audits"),
        (stage_1.get_absolute_url(), str(stage_1)),
        ("/audits/certification/certificates/", "Certificates"),
        ("/readiness/", "Certification readiness"),
    ]
    for url, heading in pages:
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        main = page.locator("main")
        expect(main.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
        expect(main.get_by_role("link", name="Record a finding")).to_have_count(0)
        expect(main.get_by_role("link", name=re.compile(r"^New "))).to_have_count(0)
        axe.check(page)
    page.goto(stage_1.get_absolute_url())
    expect(page.get_by_text("Objectives without measures")).to_be_visible()
    screenshot(page, "certification-06-auditor-stage-1")
    page.goto("/controls/documented-information/")
    screenshot(page, "certification-07-auditor-documented-information")
    axe.assert_clean()
