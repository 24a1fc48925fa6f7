"""The ledger in words in a real browser: an auditor reads the latest entries on the
integrity page, opens a version from its entry, browses every entry with its hashes, and
axe finds nothing serious on either page."""

import pytest
from playwright.sync_api import expect

from integrity import services
from integrity.models import LedgerEntry

from . import factories
from .axe import violations
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_reads_the_ledger_in_words(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    make_user("auditor", username="ali", first_name="Ali", last_name="Auditor")
    system = factories.ai_system(lead, name="Support assistant", slug="support-assistant")
    factories.supplier(lead, name="Northwind Models")
    risk = factories.risk(lead, systems=[system])
    services.checkpoint_create()

    log_in(page, "ali", factories.PASSWORD)
    page.get_by_role("link", name="Integrity ledger").click()
    entry = page.get_by_role("link", name=f"Risk {risk.reference}, version 1 (created), by Grace")
    expect(entry).to_be_visible()
    # The risk's row holds its link to the system (a user's row holds their role's link).
    risk_row = page.get_by_role("row").filter(has=entry)
    risk_row.get_by_text("1 more entry of this version").click()
    expect(risk_row.get_by_text("Link to AI system Support assistant")).to_be_visible()
    screenshot(page, "ledger-entries-01-integrity")
    assert violations(page) == []

    entry.click()
    expect(page.get_by_role("heading", name=f"History of {risk}")).to_be_visible()
    expect(page.locator("tr.table-active")).to_have_count(1)

    page.go_back()
    page.get_by_role("link", name="Browse every entry, with hashes and proofs").click()
    expect(page.get_by_role("heading", name="Ledger entries")).to_be_visible()
    page.get_by_label("Record type").select_option("registry.supplier")
    page.get_by_role("button", name="Filter").click()
    expect(
        page.get_by_role("link", name="Supplier Northwind Models, version 1 (created)", exact=False)
    ).to_be_visible()
    expect(page.get_by_text(f"Risk {risk.reference}")).to_have_count(0)
    supplier_entry = LedgerEntry.objects.get(covered_model="registry.historicalsupplier")
    page.get_by_text(f"Hashes of entry {supplier_entry.sequence}").click()
    expect(page.get_by_text(supplier_entry.entry_hash)).to_be_visible()
    proof = page.get_by_role("link", name=f"Inclusion proof of leaf {supplier_entry.sequence - 1}")
    expect(proof).to_be_visible()
    screenshot(page, "ledger-entries-02-browse")
    assert violations(page) == []
