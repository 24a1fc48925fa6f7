"""A governance lead narrows the findings list to one audit in a real browser: the audit
filter is a search box that asks the lookup endpoint, not a menu of every audit."""

import re

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


def test_lead_narrows_corrective_actions_to_a_person_found_by_name(
    page, lead, ia, make_user, started_audit
):
    omar = make_user("system_owner", username="omar", first_name="Omar", last_name="Owner")
    findings = [
        factories.finding(factories.record_line(line(started_audit, ref), ia, "nonconformity"), ia)
        for ref in ("9.2", "10.2")
    ]
    mine = factories.corrective_action(
        lead, omar, finding=findings[0], title="Retrain the triage model"
    )
    factories.corrective_action(lead, lead, finding=findings[1], title="Update the supplier list")
    log_in(page, lead.username, factories.PASSWORD)
    page.goto("/audits/actions/")
    apply = page.get_by_role("button", name="Apply")
    before = apply.bounding_box()
    search = page.locator("#id_owner-ts-control")
    search.click()
    search.press_sequentially("omar own")
    page.get_by_role("option", name="Omar Owner").click()
    # With a choice in the focused box the form keeps its shape: Apply stays under the pointer.
    assert apply.bounding_box() == before
    # As tall as the menus beside it.
    box = page.locator("#id_owner-ts-control").locator("..").locator("..")
    assert box.bounding_box()["height"] == page.get_by_label("Status").bounding_box()["height"]
    apply.click()
    expect(page).to_have_url(re.compile(rf"/audits/actions/\?.*owner={omar.pk}(&|$)"))
    expect(page.get_by_role("link", name=mine.title)).to_be_visible()
    expect(page.get_by_role("link", name="Update the supplier list")).to_have_count(0)
    expect(page.locator("#id_owner-ts-control").locator("..").locator(".item")).to_contain_text(
        "Omar Owner"
    )
    found = violations(page)
    assert not found, found
    screenshot(page, "lists-03-actions-by-owner")
