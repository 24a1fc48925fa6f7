"""The shell in a real browser: login, navigation by area, editing a record, its history."""

import pytest

from registry.models import Supplier

from . import factories
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_then_shell(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    factories.ai_system(lead, name="Support assistant", risk_tier="high")
    page.goto("/")
    assert "/accounts/login/" in page.url
    screenshot(page, "01-login")

    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()

    log_in(page, "grace", factories.PASSWORD)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    nav = page.get_by_role("navigation", name="Areas")
    assert nav.get_by_role("link", name="AI systems").is_visible()
    assert nav.get_by_role("link", name="Suppliers").is_visible()
    assert page.get_by_text("Governance lead").is_visible()
    screenshot(page, "02-dashboard-shell")

    page.get_by_role("link", name="High").first.click()
    assert "risk_tier=high" in page.url
    assert page.get_by_role("link", name="Support assistant").is_visible()
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
    assert page.get_by_text("This field is required.").is_visible()
    assert Supplier.objects.get(pk=supplier.pk).version == 1
    screenshot(page, "04-edit-inline-error")

    page.get_by_label("Reason for this change").fill("Contract now covers embeddings")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Saved “Northwind Models” (version 2).").is_visible()

    page.get_by_role("link", name="History").click()
    assert page.get_by_text("Contract now covers embeddings").is_visible()
    page.get_by_role("button", name="Compare selected versions").click()
    table = page.locator(".diff-table")
    assert table.get_by_text("LLM API and embeddings").is_visible()
    assert table.get_by_text("Not started").is_visible()
    assert table.get_by_text("Approved").is_visible()
    screenshot(page, "05-history-diff")


def test_auditor_sees_no_edit_controls(page, make_user):
    lead = make_user("governance_lead")
    make_user("auditor", username="ali")
    supplier = factories.supplier(lead, name="Labelworks")
    log_in(page, "ali", factories.PASSWORD)
    page.goto(f"/inventory/suppliers/{supplier.pk}/")
    assert page.get_by_role("link", name="History").is_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert page.get_by_role("link", name="Retire").count() == 0
    page.goto("/inventory/suppliers/")
    assert page.get_by_role("link", name="New supplier").count() == 0
    screenshot(page, "06-auditor-read-only")
