"""The SoA in a real browser: the whole SoA, inline editing, PDF export with progress and
download, approval into a revision, and comparing revisions."""

import subprocess

import pytest
from playwright.sync_api import expect

from controls import demo as controls_demo
from controls.models import SoAEntry

from . import factories
from .browser import SCREENSHOTS, log_in, screenshot
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def soa_users(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    executive = make_user("executive", username="erin", first_name="Erin", last_name="Exec")
    owner = make_user("system_owner", username="omar", first_name="Omar", last_name="Owner")
    users = {"governance_lead": lead, "executive": executive, "system_owner": owner}
    users["admin"] = make_user("admin", username="adam", is_superuser=True)
    users["auditor"] = make_user("auditor", username="audrey")
    for slug, name in (
        ("support-assistant", "Support assistant"),
        ("credit-scoring", "Credit scoring"),
    ):
        factories.ai_system(lead, slug=slug, name=name)
    controls_demo.load(users)
    return lead, executive


def test_soa_edit_export_approve_compare(page, soa_users, tmp_path):
    log_in(page, "grace", factories.PASSWORD)
    page.get_by_role("navigation", name="Areas").get_by_role(
        "link", name="Statement of Applicability"
    ).click()
    expect(page.get_by_role("heading", name="Statement of Applicability")).to_be_visible()
    expect(page.locator("tr[id^=soa-row-]")).to_have_count(38)
    expect(
        page.get_by_role("img", name="Implementation progress per Annex A group")
    ).to_be_visible()
    screenshot(page, "controls-01-soa-page")

    # Inline edit: an exclusion without a justification is refused in place, then it saves.
    row = page.locator("#soa-row-a45")
    row.get_by_role("button", name="Edit A.4.5").click()
    form = page.get_by_role("form", name="Edit SoA entry A.4.5")
    form.get_by_label("Applicability").select_option("excluded")
    form.get_by_label("Justification").fill("")
    form.get_by_label("Reason for this change").fill("Capacity plan approved")
    form.get_by_role("button", name="Save").click()
    form = page.get_by_role("form", name="Edit SoA entry A.4.5")
    expect(form.get_by_text("Say why the SoA excludes this control.")).to_be_visible()
    assert SoAEntry.objects.get(control__ref="A.4.5").applicability == "applicable"
    screenshot(page, "controls-02-inline-error")
    form.get_by_label("Applicability").select_option("applicable")
    form.get_by_label("Implementation").select_option("implemented")
    form.get_by_label("Justification").fill("GPU and hosting capacity is planned per quarter.")
    form.get_by_role("button", name="Save").click()
    row = page.locator("#soa-row-a45")
    expect(row.get_by_text("GPU and hosting capacity is planned per quarter.")).to_be_visible()
    expect(row.get_by_text("Implemented", exact=True)).to_be_visible()
    assert SoAEntry.objects.get(control__ref="A.4.5").implementation_status == "implemented"

    # PDF export: progress page, then the download.
    page.get_by_role("button", name="PDF").click()
    page.get_by_role("link", name="Download PDF").wait_for()
    screenshot(page, "controls-03-export-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    pdf = tmp_path / "soa.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "A.10.4" in text and "Draft (after revision 1)" in text
    for first, name in ((1, "controls-04-pdf-cover"), (2, "controls-05-pdf-table")):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(first), "-l", str(first), "-singlefile",
             str(pdf), str(SCREENSHOTS / name)],
            check=True,
        )  # fmt: skip

    # Submit, then the executive approves: revision 2 lists the change.
    page.goto("/controls/soa/")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Entries are locked")).to_be_visible()
    page.context.clear_cookies()
    log_in(page, "erin", factories.PASSWORD)
    page.goto("/controls/soa/")
    page.get_by_label("Comment (optional)").first.fill("Reviewed with the board")
    page.get_by_role("button", name="Approve and freeze revision").click()
    expect(page.get_by_role("heading", name="SoA revision 2")).to_be_visible()
    expect(page.get_by_text("Capacity plan approved")).to_have_count(0)  # reasons stay in history
    changes = page.get_by_role("region", name="Changes since revision 1")
    expect(changes.get_by_text("GPU and hosting capacity is planned per quarter.")).to_be_visible()
    screenshot(page, "controls-06-revision")

    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_text("From revision 1 to revision 2")).to_be_visible()
    screenshot(page, "controls-07-compare")

    # The catalogue: a control with its purpose, crosswalk and SoA position; a document.
    page.goto("/controls/catalogue/?q=record-keeping")
    page.get_by_role("link", name="A.6.2.8").click()
    expect(page.get_by_role("heading", name="Crosswalk")).to_be_visible()
    expect(page.get_by_text("Record-keeping")).to_be_visible()
    screenshot(page, "controls-08-control-detail")
    page.goto("/controls/documents/")
    page.get_by_role("link", name="POL-001").click()
    control_section = page.get_by_role("region", name="Document control")
    expect(control_section.get_by_text("Approved", exact=True)).to_be_visible()
    screenshot(page, "controls-09-document-detail")


def test_soa_title_and_scope_edit_and_as_of_links(page, soa_users):
    from datetime import timedelta

    from django.utils import timezone

    from controls import services as controls_services
    from registry.models import AISystem

    from .axe import AxeAudit

    lead, _ = soa_users
    axe = AxeAudit()
    # Link history for the as-of view: Support assistant four days ago, Credit scoring now.
    SoAEntry.history.update(history_date=timezone.now() - timedelta(days=30))
    for slug, days_ago in (("support-assistant", 4), ("credit-scoring", None)):
        entry = SoAEntry.objects.get(control__ref="A.6.2.4")
        controls_services.soa_entry_update(
            entry,
            actor=lead,
            data={"systems": [AISystem.objects.get(slug=slug)]},
            expected_version=entry.version,
            reason="Systems reviewed",
        )
        if days_ago:
            latest = entry.history.order_by("-history_id").first()
            SoAEntry.history.filter(history_id=latest.history_id).update(
                history_date=timezone.now() - timedelta(days=days_ago)
            )

    log_in(page, "grace", factories.PASSWORD)
    page.goto("/controls/soa/")
    page.get_by_role("link", name="Edit title and scope").click()
    form = page.get_by_role("form", name="SoA title and scope")
    form.get_by_label("Title").fill("")
    form.get_by_label("Reason for this change").fill("Scope agreed with the board")
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    axe.check(page, "SoA title and scope form with an error")
    screenshot(page, "controls-10-soa-title-error")
    form = page.get_by_role("form", name="SoA title and scope")
    form.get_by_label("Title").fill("Statement of Applicability — Acme AI services")
    form.get_by_label("Scope").fill(
        "AI systems operated by Acme Ltd from its Leeds and Lyon sites."
    )
    form.get_by_label("Reason for this change").fill("Scope agreed with the board")
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Title and scope saved.")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Statement of Applicability — Acme AI services")
    ).to_be_visible()
    expect(page.get_by_text("Leeds and Lyon sites")).to_be_visible()
    axe.check(page, "SoA with its new title and scope")
    screenshot(page, "controls-11-soa-title-saved")

    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    page.get_by_label("Show the SoA as of", exact=True).fill(three_days_ago)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Read-only view of")).to_be_visible()
    row = page.locator("#soa-row-a624")
    expect(row.get_by_text("Systems: Support assistant")).to_be_visible()
    expect(row.get_by_text("Credit scoring")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit title and scope")).to_have_count(0)
    row.scroll_into_view_if_needed()
    axe.check(page, "SoA as of three days ago")
    screenshot(page, "controls-12-soa-as-of-links")

    # The entry's history names the link change: Support assistant became Credit scoring.
    row.get_by_role("link", name="A.6.2.4", exact=True).click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    page.get_by_role("link", name="Show changes").first.click()
    changes = page.get_by_role("row", name="AI systems")
    # Each list item is marked; screen readers hear whether it was removed or added.
    expect(changes.locator(".diff-old")).to_have_text("Removed: Support assistant")
    expect(changes.locator(".diff-new")).to_have_text("Added: Credit scoring")
    axe.check(page, "SoA entry diff with a link change")
    screenshot(page, "controls-13-soa-entry-link-diff")
    axe.assert_clean()
