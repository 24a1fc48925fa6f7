"""The management-system registers in a real browser: an executive reads the objectives on
the dashboard and in a management review and acknowledges the AI policy; an auditor reads
every new register read-only and takes the scope statement's PDF. axe checks every page
visited."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from . import factories
from . import governance_data as data
from .axe import AxeAudit
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _registers(lead, executive, owner):
    system = data.system(lead, name="Support assistant")
    data.approved_scope(lead, executive, [system])
    data.issue(lead, title="AI Act duties for credit models")
    data.issue(lead, title="Small data science team", kind="internal", category="organisation")
    data.party(lead, name="Data protection authority")
    data.policy(lead, executive)
    met = data.objective(lead, title="Every production system assessed")
    data.reading(lead, met, 80, days_ago=60)
    data.reading(lead, met, 100, days_ago=2)
    behind = data.objective(
        lead, title="Fewer harmful answers", target=2, direction="at_most", unit="per 10k"
    )
    data.reading(lead, behind, "6.1", days_ago=90)
    data.reading(lead, behind, "3.4", days_ago=5)
    competence = data.competence(lead, validity_months=12)
    data.training(lead, owner, competence)
    data.training(
        lead,
        lead,
        competence,
        completed_on=timezone.localdate() - timedelta(days=350),
        expires_on=timezone.localdate() + timedelta(days=15),
    )
    data.raci(lead, lead, role="A")
    data.raci(lead, owner, role="R")
    data.communication(lead)
    return behind


def test_executive_reads_objectives_on_the_dashboard_and_in_a_review(page, make_user):
    lead = make_user("governance_lead", username="grace")
    executive = make_user("executive", username="erin", first_name="Erin", last_name="Exec")
    owner = make_user("system_owner", username="omar")
    behind = _registers(lead, executive, owner)
    review = factories.management_review(lead, executive)
    axe = AxeAudit()

    log_in(page, "erin", factories.PASSWORD)
    card = page.get_by_role("region", name="AI objectives")
    expect(card.get_by_text("1 / 2 on target")).to_be_visible()
    expect(card.get_by_role("link", name="Below target 1")).to_be_visible()
    axe.check(page, "Dashboard with the objectives card")
    screenshot(page, "governance-01-dashboard-objectives")

    page.goto(review.get_absolute_url())
    inputs = page.locator("table.review-objectives")
    expect(inputs.get_by_text("Fewer harmful answers")).to_be_visible()
    expect(inputs.get_by_text("Below target")).to_be_visible()
    expect(inputs.get_by_text("Target met")).to_be_visible()
    axe.check(page, "Management review with objectives in its inputs")
    inputs.scroll_into_view_if_needed()
    screenshot(page, "governance-02-review-inputs-objectives")

    inputs.get_by_role("link", name=behind.reference).click()
    expect(page.get_by_role("heading", name=str(behind))).to_be_visible()
    expect(page.get_by_text("Below target").first).to_be_visible()
    expect(page.locator("svg.line-chart, svg").first).to_be_visible()
    axe.check(page, "Objective with its chart")
    screenshot(page, "governance-03-objective-chart")

    page.goto("/governance/acknowledgements/status/")
    page.get_by_role("button", name="I have read version 1.0").click()
    expect(page.get_by_text("Recorded: you read POL-001 v1.0.")).to_be_visible()
    expect(page.get_by_text("You acknowledged this version")).to_be_visible()
    axe.check(page, "Policy acknowledgement status")
    screenshot(page, "governance-04-policy-acknowledged")
    axe.assert_clean()


def test_auditor_reads_the_new_registers_read_only(page, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the rendered PDF is kept there
    lead = make_user("governance_lead", username="grace")
    executive = make_user("executive", username="erin")
    owner = make_user("system_owner", username="omar")
    make_user("auditor", username="ali")
    _registers(lead, executive, owner)
    axe = AxeAudit()
    log_in(page, "ali", factories.PASSWORD)

    nav = page.get_by_role("navigation", name="Areas")
    lists = [
        ("Context issues", "AI Act duties for credit models"),
        ("Interested parties", "Data protection authority"),
        ("AIMS scope", "AIMS scope statement"),
        ("Policy acknowledgements", None),
        ("Roles and responsibilities", "Run the audit"),
        ("AI objectives", "Fewer harmful answers"),
        ("Measurements", None),
        ("Competences", "AI policy"),
        ("Training records", "Policy e-learning"),
        ("Communication plan", "AI policy changes"),
    ]
    for n, (label, text) in enumerate(lists, start=5):
        nav.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", name=label)).to_be_visible()
        if text:
            expect(page.get_by_role("link", name=text).first).to_be_visible()
        # Read-only: no way to add a record.
        expect(page.get_by_role("link", name="New")).to_have_count(0)
        axe.check(page, f"{label} list (auditor)")
        if label in ("AIMS scope", "AI objectives", "Training records"):
            screenshot(page, f"governance-{n:02d}-auditor-{label.lower().replace(' ', '-')}")

    nav.get_by_role("link", name="AIMS scope").click()
    page.get_by_role("link", name="AIMS scope statement").first.click()
    expect(page.get_by_role("heading", name="AI systems in scope")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    axe.check(page, "Scope statement (auditor)")
    screenshot(page, "governance-15-auditor-scope-detail")
    # An auditor may export: the scope's PDF is rendered by a background job, whose page
    # offers the file.
    page.get_by_role("button", name="Scope statement (PDF)").click()
    expect(page.get_by_role("heading", name="AIMS scope statement v1.0 (PDF)")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    axe.check(page, "Scope statement PDF job (auditor)")
    screenshot(page, "governance-15b-auditor-scope-pdf-job")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == "aims-scope-v1.0.pdf"

    page.goto("/governance/training/matrix/")
    expect(page.get_by_role("heading", name="Training matrix")).to_be_visible()
    expect(page.get_by_text("Expires").first).to_be_visible()
    axe.check(page, "Training matrix (auditor)")
    screenshot(page, "governance-16-auditor-training-matrix")

    page.goto("/governance/raci/matrix/")
    expect(page.get_by_role("heading", name="Internal audit")).to_be_visible()
    axe.check(page, "RACI matrix (auditor)")
    screenshot(page, "governance-17-auditor-raci-matrix")

    page.goto("/governance/acknowledgements/status/")
    expect(page.get_by_role("button", name="I have read version 1.0")).to_have_count(0)
    axe.check(page, "Policy acknowledgement status (auditor)")
    axe.assert_clean()
