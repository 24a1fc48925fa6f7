"""A governance lead narrows the findings list to one audit in a real browser: the audit
filter is a search box that asks the lookup endpoint, not a menu of every audit."""

import pytest
from playwright.sync_api import expect

from . import factories
from .axe import violations
from .browser import log_in, screenshot
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_filters_findings_by_an_audit_found_by_search(page, lead, ia, started_audit):
    mine = factories.finding(
        factories.record_line(line(started_audit, "9.2"), ia, "nonconformity"), ia
    )
    other_audit = factories.audit(lead, ia, title="Supplier controls audit")
    log_in(page, lead.username, factories.PASSWORD)
    page.goto("/audits/findings/")
    search = page.locator("#id_audit-ts-control")
    search.click()
    search.press_sequentially(started_audit.reference)
    option = page.get_by_role("option", name=str(started_audit))
    expect(option).to_be_visible()
    expect(page.get_by_role("option", name=str(other_audit))).to_have_count(0)
    screenshot(page, "lists-01-findings-audit-search")
    # The filtered page, as the form sends it: the audit's id.
    page.goto(f"/audits/findings/?audit={started_audit.pk}")
    expect(page.get_by_role("link", name=mine.reference)).to_be_visible()
    # The chosen audit is shown by name after the page reloads, not as a number.
    expect(page.locator(".ts-control .item")).to_contain_text(started_audit.reference)
    found = violations(page)
    assert not found, found
    screenshot(page, "lists-02-findings-filtered")
