"""Attestation look-up in a real browser: the hash box of a system's list, the search page
across systems, and an attestation's page with its receipt, proof and verifier links."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrity.attestations import attestation_token_create, attestations_register
from registry import services as registry

from . import factories
from .browser import log_in, screenshot
from .test_attestations_api import item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_an_output_by_its_hash_and_open_its_receipt(page, lead, admin_user):
    admin = admin_user
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    version = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v2.1",
            "deployed_at": timezone.now() - datetime.timedelta(days=2),
        },
    )
    token, _ = attestation_token_create(actor=admin, system=system, name="Gateway EU")
    done = attestations_register(token=token, items=[item(version, n) for n in range(6)])
    wanted = done[4].attestation
    log_in(page, lead.username, factories.PASSWORD)

    page.goto(f"/inventory/systems/{system.pk}/attestations/")
    page.get_by_label("Input or output SHA-256").fill(wanted.output_sha256)
    page.get_by_role("button", name="Apply").click()
    rows = page.locator(".attestation-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name=str(wanted.pk))).to_be_visible()
    screenshot(page, "attestations-01-list-found-by-hash")

    page.get_by_label("Input or output SHA-256").fill("not-a-digest")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Paste a whole SHA-256 digest")).to_be_visible()

    page.get_by_role("link", name="Search all systems by hash").click()
    page.get_by_label("Input or output SHA-256").fill(wanted.input_sha256)
    page.get_by_role("button", name="Find").click()
    expect(page.locator(".attestation-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("cell", name="input")).to_be_visible()
    screenshot(page, "attestations-02-search-across-systems")

    page.get_by_role("link", name=str(wanted.pk), exact=True).click()
    expect(page.get_by_role("link", name="Signed receipt (JSON)")).to_be_visible()
    expect(page.get_by_role("link", name="verify_receipt.py")).to_be_visible()
    screenshot(page, "attestations-03-detail-with-receipt")
