"""The registry in a real browser: the inventory, a system page with a denial, a change
request approved by the executive, a go-live request the policies refused, a bad import."""

import pytest
from playwright.sync_api import expect

from assessments import demo as assessments_demo
from registry import demo
from registry.models import AISystem, ChangeRequest

from . import factories
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inventory_denial_and_change_approval(page, users, tmp_path):
    demo.load(users)
    # The go-lives need the approved assessments and sign-offs the assessments demo brings.
    assessments_demo.load(users)
    log_in(page, "lead", factories.PASSWORD)

    page.goto("/inventory/systems/")
    expect(page.get_by_role("link", name="Customer support assistant")).to_be_visible()
    expect(page.get_by_role("link", name="Import")).to_be_visible()
    screenshot(page, "registry-01-inventory-list")

    page.get_by_role("link", name="Invoice field extractor").click()
    denials = page.locator(".policy-denials")
    expect(denials.get_by_text("in production without an evaluation data source")).to_be_visible()
    screenshot(page, "registry-02-system-with-denial")

    pending = ChangeRequest.objects.get(kind="embedding_model")
    page.goto(pending.get_absolute_url())
    # The owner requested it; the lead cannot approve (no grant), the executive can.
    expect(page.get_by_role("button", name="Approve change")).to_have_count(0)
    page.context.clear_cookies()
    log_in(page, "exec", factories.PASSWORD)
    page.goto(pending.get_absolute_url())
    expect(page.get_by_text("Passed").first).to_be_visible()
    page.locator("#reason-approve").fill("Recall improved; supplier deprecation is real")
    screenshot(page, "registry-03-change-awaiting-approval")
    page.get_by_role("button", name="Approve change").click()
    expect(page.get_by_text("Approve change: done.")).to_be_visible()
    screenshot(page, "registry-04-change-approved")
    assert ChangeRequest.objects.get(pk=pending.pk).status == "approved"

    refused = ChangeRequest.objects.get(system__slug="hr-screening")
    page.goto(refused.get_absolute_url())
    expect(page.get_by_text("Failed").first).to_be_visible()
    expect(page.get_by_role("button", name="Approve change")).to_have_count(0)
    blockers = page.locator("#approval-blockers")
    expect(blockers.get_by_text("cannot be approved while the check fails")).to_be_visible()
    screenshot(page, "registry-05-go-live-refused-by-policy")
    assert AISystem.objects.get(slug="hr-screening").stage == "proposed"


def test_bad_import_names_file_and_key(page, users, tmp_path):
    demo.load(users)
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: broken\nname: Broken\nclassification:\n  risk_tier: extreme\n")
    log_in(page, "lead", factories.PASSWORD)
    page.goto("/inventory/systems/import/")
    page.get_by_label("Registry YAML files").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    problems = page.locator("#import-problems")
    expect(problems.get_by_text("Nothing was imported.")).to_be_visible()
    expect(
        problems.get_by_role("listitem").filter(
            has_text="broken.yaml: line 4: classification.risk_tier: must be one of low, medium"
        )
    ).to_be_visible()
    screenshot(page, "registry-06-import-refused")
    assert not AISystem.objects.filter(slug="broken").exists()
