"""The auditor's journey on the integrity page in a real browser: verify an intact chain,
build an evidence bundle, then see a tampering made with SQL named on the page."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from integrity import services
from registry.models import Supplier

from . import factories
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_verifies_exports_and_sees_tampering(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    make_user("auditor", username="ali", first_name="Ali", last_name="Auditor")
    for name in ("Northwind Models", "Contoso Vision", "Fabrikam Speech"):
        factories.supplier(lead, name=name, services="Hosted model API")
    factories.ai_system(lead, name="Support assistant", risk_tier="high")
    services.checkpoint_create()

    log_in(page, "ali", factories.PASSWORD)
    page.get_by_role("link", name="Integrity ledger").click()
    expect(page.get_by_text("Not verified yet.")).to_be_visible()
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("Intact.")).to_be_visible()
    screenshot(page, "ledger-01-intact")

    page.get_by_label("Records of").select_option("inventory")
    page.get_by_role("button", name="Build bundle").click()
    expect(page.get_by_role("link", name="Download the bundle")).to_be_visible()
    screenshot(page, "ledger-02-bundle-ready")

    history = Supplier.history.model
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {history._meta.db_table} SET name = %s WHERE history_id = %s",
            ["Forged supplier", history.objects.order_by("history_id")[1].history_id],
        )
    page.get_by_role("link", name="Integrity ledger").click()
    page.get_by_role("button", name="Verify now").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Tampering detected.")
    expect(alert).to_contain_text("was changed after ledger entry")
    expect(page.get_by_role("cell", name="Content changed")).to_be_visible()
    screenshot(page, "ledger-03-tampering-detected")
