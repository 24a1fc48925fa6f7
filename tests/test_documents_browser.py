"""Documents in a real browser: an administrator sets the organisation's document settings,
a lead exports the SoA as Word and follows the job to its download, and asks for an audit
report from the audit's page. axe checks the new pages."""

import pytest
from playwright.sync_api import expect

from audits.models import Audit
from controls import demo as controls_demo
from controls.models import DocumentSettings

from . import factories
from .axe import AxeAudit
from .browser import log_in, screenshot
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def users(make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    users = {
        "governance_lead": lead,
        "executive": make_user("executive", username="erin"),
        "system_owner": make_user("system_owner", username="omar"),
        "admin": make_user("admin", username="adam", is_superuser=True),
        "auditor": make_user("auditor", username="audrey"),
    }
    # An internal auditor: a governance lead who owns nothing in the audited scope.
    ia = make_user("governance_lead", username="ina")
    factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    controls_demo.load(users)
    return {**users, "ia": ia}


def test_settings_then_word_export_then_audit_report(page, users):
    axe = AxeAudit()
    log_in(page, "adam", factories.PASSWORD)
    page.goto("/controls/soa/")
    page.get_by_role("link", name="Document settings").click()
    expect(page.get_by_role("heading", name="Document settings")).to_be_visible()
    page.get_by_label("Organisation name").fill("Contoso Insurance")
    page.get_by_label("Reason for this change").fill("Renamed after the merger")
    axe.check(page, "document settings form")
    screenshot(page, "documents-01-settings")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Document settings saved.")).to_be_visible()
    assert DocumentSettings.objects.get().organisation_name == "Contoso Insurance"

    page.context.clear_cookies()
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/controls/soa/")
    expect(page.get_by_role("link", name="Document settings")).to_have_count(0)  # admins only
    page.get_by_role("button", name="Word").first.click()
    expect(page.get_by_text("Ready")).to_be_visible()
    axe.check(page, "SoA Word export job")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Word (DOCX)").click()
    assert download.value.suggested_filename.endswith(".docx")
    screenshot(page, "documents-02-soa-word-export")

    ia = users["ia"]
    audit = Audit.objects.first() or factories.audit(users["governance_lead"], ia)
    page.goto(audit.get_absolute_url())
    page.get_by_role("button", name="Audit report (Word)").click()
    expect(page.get_by_text("Ready")).to_be_visible()
    axe.check(page, "audit report job")
    screenshot(page, "documents-03-audit-report-job")
    axe.assert_clean()
