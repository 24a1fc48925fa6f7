"""The shell in a real browser: login, navigation by area, editing a record, its history."""

import re

import pytest
from playwright.sync_api import expect

from registry.models import Supplier

from . import factories
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_then_shell(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    factories.ai_system(lead, name="Support assistant", risk_tier="high")
    page.goto("/")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    screenshot(page, "01-login")

    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    log_in(page, "grace", factories.PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    nav = page.get_by_role("navigation", name="Areas")
    expect(nav.get_by_role("link", name="AI systems")).to_be_visible()
    expect(nav.get_by_role("link", name="Suppliers")).to_be_visible()
    expect(page.get_by_text("Governance lead")).to_be_visible()
    screenshot(page, "02-dashboard-shell")

    page.get_by_role("link", name="High").first.click()
    expect(page).to_have_url(re.compile("risk_tier=high"))
    expect(page.get_by_role("link", name="Support assistant")).to_be_visible()
    screenshot(page, "03-list-filtered")


def test_edit_then_history_diff(page, make_user):
    lead = make_user("governance_lead", username="grace")
    supplier = factories.supplier(lead, name="Northwind Models", services="LLM API")
    log_in(page, "grace", factories.PASSWORD)

    page.goto(f"/inventory/suppliers/{supplier.pk}/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Services provided").fill("LLM API and embeddings")
    page.get_by_label("Due diligence", exact=True).select_option("approved")
    page.get_by_role("button", name="Save changes").click()
    # A missing change reason is shown inline and nothing is saved.
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert Supplier.objects.get(pk=supplier.pk).version == 1
    screenshot(page, "04-edit-inline-error")

    page.get_by_label("Reason for this change").fill("Contract now covers embeddings")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved “Northwind Models” (version 2).")).to_be_visible()

    page.get_by_role("link", name="History").click()
    expect(page.get_by_text("Contract now covers embeddings")).to_be_visible()
    page.get_by_role("button", name="Compare selected versions").click()
    table = page.locator(".diff-table")
    expect(table.get_by_text("LLM API and embeddings")).to_be_visible()
    expect(table.get_by_text("Not started")).to_be_visible()
    expect(table.get_by_text("Approved")).to_be_visible()
    screenshot(page, "05-history-diff")


def test_auditor_sees_no_edit_controls(page, make_user):
    lead = make_user("governance_lead")
    make_user("auditor", username="ali")
    supplier = factories.supplier(lead, name="Labelworks")
    log_in(page, "ali", factories.PASSWORD)
    page.goto(f"/inventory/suppliers/{supplier.pk}/")
    expect(page.get_by_role("link", name="History")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Retire")).to_have_count(0)
    page.goto("/inventory/suppliers/")
    expect(page.get_by_role("link", name="New supplier")).to_have_count(0)
    screenshot(page, "06-auditor-read-only")
