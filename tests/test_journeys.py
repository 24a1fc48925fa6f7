"""Each role's main journey through the portal in a real browser, with axe-core run on every
page visited. Screenshots: test-artifacts/screenshots/journey-<role>-NN-<what>.png."""

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import demo as assessments_demo
from assessments import services as assessment_services
from assessments.models import ImpactAssessment, Risk
from audits import demo as audits_demo
from audits.models import ManagementReview
from controls import demo as controls_demo
from controls.models import SoAEntry
from integrity import services as ledger
from registry import demo as registry_demo
from registry import services as registry_services
from registry.models import AISystem, ChangeRequest

from . import factories
from .axe import AxeAudit
from .browser import log_in, pick_links, screenshot
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLES = Path(registry_demo.__file__).resolve().parent / "examples"


class Journey:
    """A role's walk through the portal: numbered screenshots and axe on every page."""

    def __init__(self, page, role):
        self.page, self.role, self.step = page, role, 0
        self.axe = AxeAudit()

    def look(self, what):
        """The page as the user sees it now: a screenshot and an accessibility check."""
        self.step += 1
        self.axe.check(self.page, f"{self.page.url} ({what})")
        screenshot(self.page, f"journey-{self.role}-{self.step:02d}-{what}")

    def done(self):
        print(f"axe ran on {len(self.axe.pages)} pages:", *self.axe.pages, sep="\n  ")
        self.axe.assert_clean()


@pytest.fixture
def people(make_user):
    """One person per role, named as in the demo."""
    return {
        role: make_user(role, username=username, first_name=first, last_name=last, **extra)
        for role, username, first, last, extra in (
            ("governance_lead", "lead", "Grace", "Lead", {}),
            ("system_owner", "owner", "Omar", "Owner", {}),
            ("executive", "exec", "Erin", "Executive", {}),
            ("auditor", "auditor", "Ali", "Auditor", {}),
            ("admin", "admin", "Ada", "Admin", {"is_staff": True, "is_superuser": True}),
        )
    }


@pytest.fixture
def demo_data(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users = people
    registry_demo.load(users)
    assessments_demo.load(users)
    controls_demo.load(users)
    audits_demo.load(users)
    ledger.checkpoint_create()  # as the scheduled task does within a minute
    return users


def test_governance_lead_journey(page, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead = people["governance_lead"]
    for name in ("Northwind Models", "VectorVault"):
        factories.supplier(lead, name=name)
    journey = Journey(page, "lead")
    log_in(page, "lead", factories.PASSWORD)
    journey.look("dashboard")

    # Import the registry folder the teams keep in git.
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="AI systems").click()
    journey.look("empty-inventory")
    page.get_by_role("link", name="Import").click()
    files = sorted(str(path) for path in EXAMPLES.glob("*.yaml"))
    page.get_by_label("Registry YAML files").set_input_files(files)
    journey.look("import-form")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("link", name="Customer support assistant")).to_be_visible()
    assert AISystem.objects.count() == len(files)
    journey.look("imported")
    page.get_by_role("link", name="See the change requests awaiting approval").click()
    expect(page.get_by_text("5 change requests")).to_be_visible()
    journey.look("imported-changes")

    # Fill in an impact assessment and submit it.
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Impact assessments"
    ).click()
    page.get_by_role("link", name="New impact assessment").first.click()
    page.get_by_label("System").select_option(label="CV screening pilot")
    page.get_by_label("Owner").select_option(label="Grace Lead")
    page.get_by_label("Intended purpose").fill("Shortlist applicants for recruiter review.")
    page.get_by_label("Intended users").fill("Recruiters in the people team.")
    page.get_by_label("Environment").fill("Pilot in the EU region; CVs uploaded by applicants.")
    page.get_by_label("Data flows").fill("CV → parser → model → shortlist shown to a recruiter.")
    page.get_by_label("Direct users").fill("Recruiters.")
    page.get_by_label("Third parties").fill("Job applicants.")
    page.get_by_label("Vulnerable groups").fill("Applicants with disabilities or career gaps.")
    page.get_by_role("button", name="Add an impact").click()
    impact = page.locator("[data-impact]").nth(0)
    impact.get_by_label("Category").select_option("fairness")
    impact.get_by_label("What could happen").fill("Women are shortlisted less often.")
    impact.get_by_label("Likelihood", exact=True).select_option("4")
    impact.get_by_label("Severity", exact=True).select_option("5")
    impact.get_by_label("Technical mitigations").fill("Bias tests on every model version.")
    impact.get_by_label("Procedural mitigations").fill("A recruiter reads every CV.")
    impact.get_by_label("Residual likelihood").select_option("2")
    impact.get_by_label("Residual severity").select_option("4")
    page.get_by_label("Decision", exact=True).select_option("mitigate")
    page.get_by_label("Rationale").fill("Only as a pilot, with every CV read by a recruiter.")
    page.get_by_label("Next review").fill("2027-06-30")
    journey.look("assessment-form")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("In review").first).to_be_visible()
    assessment = ImpactAssessment.objects.get()
    assert assessment.status == "in_review"
    journey.look("assessment-submitted")

    # Add risks, then see them on the heat map.
    for title, likelihood, impact_rating in (
        ("Discrimination in CV shortlisting", "5", "5"),
        ("Applicants not told an AI screens CVs", "4", "3"),
    ):
        page.get_by_role("navigation", name="Areas").get_by_role(
            "link", name="Risk register"
        ).click()
        page.get_by_role("link", name="New risk").first.click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Description").fill("Found in the impact assessment.")
        pick_links(page, "Systems", "CV screening pilot")
        page.get_by_label("Owner").select_option(label="Omar Owner")
        page.get_by_label("Inherent likelihood").select_option(likelihood)
        page.get_by_label("Inherent impact").select_option(impact_rating)
        page.get_by_label("Treatment", exact=True).select_option("mitigate")
        page.get_by_label("Residual likelihood").select_option("2")
        page.get_by_label("Residual impact").select_option("3")
        if Risk.objects.count() == 0:
            journey.look("risk-form")
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    journey.look("risk-detail")
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Risk register").click()
    heat_map = page.locator("#heat-map-inherent svg")
    expect(heat_map).to_be_visible()
    assert Risk.objects.count() == 2
    journey.look("heat-map")

    # Complete the SoA inline, then export the PDF.
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Statement of Applicability"
    ).click()
    journey.look("soa")
    for ref, status, text in (
        ("A.5.2", "implemented", "Impact assessment process in use for every system."),
        ("A.5.4", "partial", "Applicant impacts assessed for the CV screening pilot."),
    ):
        row = page.locator(f"#soa-row-{ref.lower().replace('.', '')}")
        row.get_by_role("button", name=f"Edit {ref}").click()
        form = page.get_by_role("form", name=f"Edit SoA entry {ref}")
        form.get_by_label("Applicability").select_option("applicable")
        form.get_by_label("Risk treatment").check()
        form.get_by_label("Implementation").select_option(status)
        form.get_by_label("Justification").fill(text)
        form.get_by_label("Reason for this change").fill("Gap analysis")
        if ref == "A.5.2":
            journey.look("soa-inline-edit")
        form.get_by_role("button", name="Save").click()
        expect(
            page.locator(f"#soa-row-{ref.lower().replace('.', '')}").get_by_text(text)
        ).to_be_visible()
    assert SoAEntry.objects.get(control__ref="A.5.2").implementation_status == "implemented"
    # The summary follows the inline edits without a reload.
    totals = page.get_by_role("region", name="All 38 controls")
    expect(totals.locator("dd").first).to_have_text("2")
    journey.look("soa-edited")
    page.get_by_role("button", name="PDF").click()
    page.get_by_role("link", name="Download PDF").wait_for()
    journey.look("soa-export-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "soa.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    journey.done()


def test_system_owner_journey(page, people):
    owner = people["system_owner"]
    system = factories.ai_system(
        people["governance_lead"],
        slug="contract-clause-finder",
        name="Contract clause finder",
        owner=owner,
        data_sensitivity="pii",
        risk_tier="high",
    )
    journey = Journey(page, "owner")
    log_in(page, "owner", factories.PASSWORD)

    # Request the go-live: the policies deny it, and the request says why.
    page.goto("/inventory/systems/")
    page.get_by_role("link", name="Contract clause finder").click()
    journey.look("system")
    page.get_by_role("link", name="Request change").click()
    page.get_by_label("Change", exact=True).select_option(label="Lifecycle stage change")
    page.get_by_label("Requested stage").select_option("production")
    page.get_by_label("Reason", exact=True).fill(
        "Legal wants it live for the quarter-end contract review."
    )
    journey.look("go-live-form")
    page.get_by_role("button", name="Create").click()
    frozen = page.get_by_role("region", name="Check: registry policies and the go-live gate")
    expect(frozen.get_by_text("Failed")).to_be_visible()
    expect(frozen.get_by_text("without an impact assessment")).to_be_visible()
    expect(frozen.get_by_text("without a DPO sign-off")).to_be_visible()
    expect(frozen.get_by_text("without a review date")).to_be_visible()
    expect(frozen.get_by_text("skips development, validation")).to_be_visible()
    journey.look("go-live-denied")
    change_url = page.url

    expect(page.locator("#policy-next-steps")).to_be_visible()

    # Fix the record: typed text satisfies the text rules, but the gate wants records.
    page.locator("#policy-next-steps").get_by_role("link", name="Contract clause finder").click()
    go_live = page.get_by_role("region", name="Go-live check")
    expect(go_live.get_by_text("gate:impact-assessment")).to_be_visible()
    journey.look("system-go-live-check")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Impact assessment", exact=True).fill("IA-2026-021")
    page.get_by_label("Approved by (as the YAML lists it)").fill("dpo:Dana Ortiz, security:Sam Lee")
    page.get_by_label("Last reviewed").fill("2026-11-20")
    page.get_by_label("Reason for this change").fill("Sign-offs and review before go-live")
    journey.look("system-edit")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Contract clause finder")).to_be_visible()
    system.refresh_from_db()
    assert system.last_reviewed is not None
    missing = "IA-2026-021 is not an impact assessment in the portal"
    expect(go_live.get_by_text(missing)).to_be_visible()
    expect(go_live.get_by_text("no data protection officer sign-off recorded")).to_be_visible()
    journey.look("system-fixed-text-only")

    # Check the same request again: the text rules pass now, the gate's records do not.
    page.goto(change_url)
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_text("Checked again: the check still fails.")).to_be_visible()
    frozen = page.get_by_role("region", name="Check: registry policies and the go-live gate")
    expect(frozen.get_by_text("without a review date")).to_have_count(0)
    expect(frozen.get_by_text("gate:dpo-sign-off")).to_be_visible()
    assert ChangeRequest.objects.filter(system=system).count() == 1
    journey.look("go-live-rechecked")
    journey.done()


def test_executive_journey(page, demo_data):
    lead, owner = demo_data["governance_lead"], demo_data["system_owner"]
    system = factories.ai_system(
        lead,
        slug="contract-clause-finder",
        name="Contract clause finder",
        owner=owner,
        data_sensitivity="pii",
        risk_tier="high",
        approved_by=["dpo:Dana Ortiz"],
        last_reviewed="2026-11-20",
    )
    registry_services.data_source_create(
        actor=lead,
        data={
            "system": system,
            "kind": "evaluation",
            "name": "Annotated contracts 2026",
            "location": "s3://legal/eval/contracts-2026",
        },
    )
    assessment = factories.impact_assessment(lead, system=system)
    assessment_services.assessment_transition(assessment, "submit", actor=lead)
    # Named, walked to validation in order, signed off by the DPO and the security officer.
    system = registry_services.ai_system_update(
        system,
        actor=lead,
        data={"impact_assessment_ref": assessment.reference},
        expected_version=system.version,
        reason="Names its assessment",
    )
    system = factories.advance(system, "validation", lead)
    factories.sign_off(system, "dpo")
    factories.sign_off(system, "security_officer")
    go_live = registry_services.change_request_create(
        actor=owner,
        data={
            "system": system,
            "kind": ChangeRequest.Kind.STAGE,
            "target_stage": AISystem.Stage.PRODUCTION,
            "reason": "Legal wants it live for the quarter-end contract review.",
            "regression_evidence": "Clause recall 0.93 on 400 contracts (threshold 0.9).",
        },
    )
    journey = Journey(page, "exec")
    log_in(page, "exec", factories.PASSWORD)
    journey.look("dashboard")

    # Approve the assessment someone else submitted.
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Impact assessments"
    ).click()
    page.get_by_role("link", name=assessment.reference).click()
    journey.look("assessment-in-review")
    page.get_by_label("Comment (optional)").first.fill("Mitigations are proportionate.")
    page.get_by_role("button", name="Approve").first.click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.status == "approved"
    journey.look("assessment-approved")

    # Approve the go-live the owner requested; the system moves to production.
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Lifecycle changes"
    ).click()
    journey.look("changes")
    page.get_by_role("link", name=f"CR-{go_live.pk}", exact=True).click()
    # Requested while the assessment was in review: checked again in place, it passes now.
    expect(page.get_by_text("is in review, not approved")).to_be_visible()
    page.get_by_role("button", name="Check again").click()
    expect(page.get_by_text("Checked again: the check passes now.")).to_be_visible()
    expect(page.get_by_text("Passed").first).to_be_visible()
    page.locator("#reason-approve").fill("Policy check passed; evaluation above threshold")
    journey.look("go-live-awaiting")
    page.get_by_role("button", name="Approve change").click()
    expect(page.get_by_text("Approve change: done.")).to_be_visible()
    journey.look("go-live-approved")
    system.refresh_from_db()
    assert system.stage == "production"

    # Run the management review from the dashboard: inputs are live, completion freezes them.
    page.get_by_role("link", name="Dashboard").click()
    before = ManagementReview.objects.count()
    review_card = page.locator("section", has=page.get_by_role("heading", name="Management review"))
    expect(review_card.get_by_text("Last held")).to_be_visible()
    review_card.scroll_into_view_if_needed()
    journey.look("dashboard-review-card")
    review_card.get_by_role("link", name="Start a management review").click()
    page.get_by_label("Meeting date").fill(date.today().isoformat())
    page.get_by_label("Chair").select_option(label="Erin Executive")
    page.get_by_label("Decisions").fill("Contract clause finder may stay live; review in Q2.")
    journey.look("review-form")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("In preparation").first).to_be_visible()
    # Not complete yet, and the page says why rather than hiding the step.
    expect(page.locator("#blocked-steps").get_by_text("Name who attended.")).to_be_visible()
    journey.look("review-live")
    page.get_by_role("link", name="Edit").click()
    pick_links(page, "Attendees", "Erin Executive", "Grace Lead")
    page.get_by_label("Reason for this change").fill("Attendance")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("button", name="Complete and freeze figures").click()
    expect(page.get_by_text("Frozen").first).to_be_visible()
    review = ManagementReview.objects.order_by("pk").last()
    assert ManagementReview.objects.count() == before + 1
    assert review.status == "completed" and review.figures
    journey.look("review-completed")
    journey.done()


CHANGE_CONTROLS = re.compile(
    r"^\s*(Edit|New|Create|Delete|Retire|Save|Import|Submit|Approve|Reject|Request|Add|Upload|"
    r"Withdraw|Accept|Complete|Sign checkpoint)\b",
    re.IGNORECASE,
)


def assert_read_only(page):
    """No control on the page would change a record."""
    main = page.get_by_role("main")
    found = [
        text
        for role in ("link", "button")
        for text in main.get_by_role(role).all_inner_texts()
        if CHANGE_CONTROLS.match(text or "")
    ]
    assert not found, f"{page.url} offers an auditor change controls: {found}"


def test_auditor_journey(page, demo_data, tmp_path):
    journey = Journey(page, "auditor")
    log_in(page, "auditor", factories.PASSWORD)

    # The SoA as it stood on a date: read-only, rebuilt from history.
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Statement of Applicability"
    ).click()
    assert_read_only(page)
    journey.look("soa")
    page.get_by_label("Show the SoA as of", exact=True).fill(date.today().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Read-only view of")).to_be_visible()
    expect(page.locator("tr[id^=soa-row-]")).to_have_count(38)
    assert_read_only(page)
    journey.look("soa-as-of")

    # A record's history and the diff between two versions.
    page.locator("#soa-row-a75").get_by_role("link", name="A.7.5", exact=True).click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert_read_only(page)
    journey.look("history")
    page.get_by_role("link", name="Show changes").first.click()
    expect(page.locator(".diff-new, .diff-old").first).to_be_visible()
    assert_read_only(page)
    journey.look("history-diff")

    # Verify the ledger, then build and download the evidence bundle.
    page.get_by_role("navigation", name="Areas").get_by_role("link", name="Integrity").click()
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("Intact.")).to_be_visible()
    assert_read_only(page)
    journey.look("integrity-verified")
    page.get_by_role("button", name="Build bundle").click()
    page.get_by_role("link", name="Download the bundle").wait_for()
    journey.look("bundle-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the bundle").click()
    bundle = tmp_path / "bundle.zip"
    download.value.save_as(bundle)
    with zipfile.ZipFile(bundle) as archive:
        assert archive.testzip() is None and archive.namelist()

    # Other pages an auditor browses: nothing to change there either.
    for area in ("AI systems", "Risk register", "Impact assessments", "Management reviews"):
        page.get_by_role("navigation", name="Areas").get_by_role("link", name=area).click()
        assert_read_only(page)
        journey.look(area.lower().replace(" ", "-"))
        page.get_by_role("main").locator("table tbody a").first.click()
        assert_read_only(page)
        journey.look(area.lower().replace(" ", "-") + "-record")

    # A direct POST with a valid CSRF token is still refused, in the UI and in the API.
    system = AISystem.objects.get(slug="support-assistant")
    page.goto(system.get_absolute_url())
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": token, "Referer": page.url}
    edit = page.request.post(
        f"/inventory/systems/{system.pk}/edit/",
        form={"name": "Changed by an auditor", "change_reason": "test"},
        headers=headers,
    )
    assert edit.status == 403
    api = page.request.patch(
        f"/api/v1/registry/systems/{system.pk}/",
        data={"name": "Changed by an auditor", "version": system.version, "change_reason": "x"},
        headers=headers,
    )
    assert api.status == 403
    system.refresh_from_db()
    assert system.name == "Customer support assistant"
    journey.done()
