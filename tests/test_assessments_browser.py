"""Key journeys in a real browser: filling in an assessment, the heat map, the PDF."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from assessments.models import ImpactAssessment

from . import factories
from .browser import SCREENSHOTS, log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fill_in_an_assessment_with_impacts_and_live_scores(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    factories.ai_system(lead, name="Customer support assistant")
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/assessments/impact/")
    page.get_by_role("link", name="New impact assessment").first.click()
    page.get_by_label("System").select_option(label="Customer support assistant")
    page.get_by_label("Intended purpose").fill("Suggest replies to support agents.")
    page.get_by_label("Intended users").fill("Support agents in the EU team")

    page.get_by_role("button", name="Add an impact").click()
    first = page.locator("[data-impact]").nth(0)
    first.get_by_label("Category").select_option("privacy")
    first.get_by_label("What could happen").fill("A reply quotes another customer's ticket.")
    first.get_by_label("Likelihood", exact=True).select_option("4")
    first.get_by_label("Severity", exact=True).select_option("4")
    expect(first.locator('[data-score="inherent"]')).to_have_text("16 · High")

    page.get_by_role("button", name="Add an impact").click()
    second = page.locator("[data-impact]").nth(1)
    second.get_by_label("What could happen").fill("To be removed")
    page.get_by_role("button", name="Add an impact").click()
    third = page.locator("[data-impact]").nth(2)
    third.get_by_label("Category").select_option("fairness")
    third.get_by_label("What could happen").fill("Weaker answers in some languages.")
    third.get_by_label("Likelihood", exact=True).select_option("3")
    third.get_by_label("Severity", exact=True).select_option("2")
    second.get_by_role("button", name="Remove").click()
    # What was typed in the other impacts is still there after adding and removing.
    expect(first.get_by_label("What could happen")).to_have_value(re.compile("^A reply quotes"))
    expect(third.locator("[data-impact-number]")).to_have_text("2")
    matrix = page.locator('table[data-matrix="inherent"]')
    expect(matrix.locator("td.has-items")).to_have_count(2)
    first.get_by_label("Residual likelihood").select_option("1")
    first.get_by_label("Residual severity").select_option("4")
    screenshot(page, "assessments-01-filling-in")

    page.get_by_role("button", name="Submit for review").click()
    alert = page.get_by_role("alert").filter(has_text="Not submitted yet")
    expect(alert).to_be_visible()
    expect(alert.get_by_text("fill in “Data flows”")).to_be_visible()
    expect(alert.get_by_text("Impact 2: give")).to_be_visible()
    screenshot(page, "assessments-02-submit-problems")
    assessment = ImpactAssessment.objects.get()
    assert assessment.status == "draft"
    assert list(assessment.impacts.values_list("category", flat=True)) == ["privacy", "fairness"]


def test_heat_map_cell_opens_its_risks(page, make_user):
    lead = make_user("governance_lead", username="grace")
    system = factories.ai_system(lead, name="Credit pre-screening")
    for n, (likelihood, impact) in enumerate([(4, 5), (4, 5), (2, 3), (5, 5), (1, 1), (3, 3)]):
        factories.risk(
            lead,
            title=f"Risk number {n}",
            systems=[system],
            inherent_likelihood=likelihood,
            inherent_impact=impact,
        )
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/assessments/risks/")
    expect(page.locator("#heat-map-inherent svg")).to_be_visible()
    screenshot(page, "assessments-03-heat-map")
    page.locator('#heat-map-inherent a[aria-label*="at likelihood 4, impact 5"]').click()
    page.wait_for_url("**inherent_likelihood=4**")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Showing the risks at inherent likelihood 4, impact 5")).to_be_visible()
    screenshot(page, "assessments-04-heat-map-cell")


def test_approved_assessment_pdf_first_page(page, make_user, tmp_path):
    from assessments import services

    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    executive = make_user("executive", username="erin", first_name="Erin", last_name="Exec")
    system = factories.ai_system(lead, name="Customer support assistant")
    assessment = factories.impact_assessment(lead, system=system)
    assessment = services.assessment_transition(assessment, "submit", actor=lead)
    services.assessment_transition(assessment, "approve", actor=executive)
    log_in(page, "grace", factories.PASSWORD)
    page.goto(assessment.get_absolute_url())
    expect(page.get_by_role("button", name="PDF for sign-off")).to_be_visible()
    screenshot(page, "assessments-05-approved-detail")
    # The PDF is a background job: its page shows the progress, then the download.
    page.get_by_role("button", name="PDF for sign-off").click()
    expect(
        page.get_by_role("heading", name=f"Impact assessment {assessment.reference}")
    ).to_be_visible()
    page.get_by_role("link", name="Download PDF").wait_for()
    expect(page.locator("#document-progress")).to_have_attribute("value", "100")
    screenshot(page, "assessments-06-document-job")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "assessment.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(SCREENSHOTS / "assessments-07-pdf-page-1"),
        ],
        check=True,
    )
    assert (SCREENSHOTS / "assessments-07-pdf-page-1.png").stat().st_size > 5000


def test_risk_acceptance_by_an_approver_other_than_the_owner(page, make_user):
    owner = make_user("system_owner", username="olga", first_name="Olga", last_name="Owner")
    make_user("executive", username="erin", first_name="Erin", last_name="Exec")
    lead = make_user("governance_lead", username="grace")
    system = factories.ai_system(lead, name="Invoice field extractor")
    risk = factories.risk(
        lead,
        title="Misread invoice amounts paid without check",
        owner=owner,
        systems=[system],
        treatment="accept",
        review_date="2027-03-31",
    )
    log_in(page, "olga", factories.PASSWORD)
    page.goto(risk.get_absolute_url())
    page.get_by_role("button", name="Request acceptance").click()
    expect(page.get_by_text("Request acceptance: done")).to_be_visible()
    # The owner has no accept button: four-eyes.
    expect(page.get_by_role("button", name="Accept risk")).to_have_count(0)
    screenshot(page, "assessments-07-risk-awaiting-acceptance")

    page.context.clear_cookies()
    log_in(page, "erin", factories.PASSWORD)
    page.goto(risk.get_absolute_url())
    page.get_by_label("Comment (optional)").first.fill("Within the agreed appetite")
    page.get_by_role("button", name="Accept risk").click()
    expect(page.get_by_text("is now accepted")).to_be_visible()
    screenshot(page, "assessments-08-risk-accepted")
    page.goto("/")
    expect(page.get_by_text("Risks by residual level")).to_be_visible()
    screenshot(page, "assessments-09-dashboard")
