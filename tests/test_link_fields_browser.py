"""A governance lead links risks to an SoA control in a real browser: each pick adds one
risk, none already linked is lost, and removing one takes a deliberate click."""

import pytest
from playwright.sync_api import expect

from controls import services
from controls.models import SoAEntry

from . import factories
from .axe import violations
from .browser import log_in, screenshot
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def entry_with_two_risks(make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace")
    risks = [factories.risk(lead, title=title) for title in ("Bias", "Drift", "Prompt leak")]
    entry = SoAEntry.objects.get(control__ref="A.6.2.4")
    entry = services.soa_entry_update(
        entry,
        actor=lead,
        data={
            "applicability": "applicable",
            "justification": "Needed.",
            "inclusion_reasons": ["risk_treatment"],
            "risks": risks[:2],
        },
        expected_version=entry.version,
        reason="Link risks",
    )
    return entry, risks


def linked_titles(entry):
    return set(SoAEntry.objects.get(pk=entry.pk).risks.values_list("title", flat=True))


def test_lead_links_risks_to_a_control_without_losing_any(page, entry_with_two_risks):
    entry, _ = entry_with_two_risks
    log_in(page, "grace", factories.PASSWORD)
    page.goto(f"/controls/soa/{entry.pk}/edit/")
    field = page.locator(".ts-wrapper", has=page.locator("#id_risks-ts-control"))
    expect(field.locator(".item")).to_have_count(2)

    # One click on the third risk adds it; the two already linked stay.
    search = page.get_by_role("combobox", name="Risks")
    search.click()
    search.press_sequentially("Prompt")
    page.locator("#id_risks-ts-dropdown").get_by_role("option", name="Prompt leak").click()
    expect(field.locator(".item")).to_have_count(3)
    found = violations(page)
    assert not found, found
    screenshot(page, "forms-01-link-risks-desktop")
    page.get_by_label("Reason for this change").fill("Prompt leak treated by this control")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A.6.2.4")
    assert linked_titles(entry) == {"Bias", "Drift", "Prompt leak"}

    # Removing one is a deliberate click on its remove button, and is saved as such.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/controls/soa/{entry.pk}/edit/")
    field.locator(".item", has_text="Drift").get_by_title("Remove this link").click()
    expect(field.locator(".item")).to_have_count(2)
    screenshot(page, "forms-02-link-risks-phone")
    page.get_by_label("Reason for this change").fill("Drift is covered by A.6.2.6")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A.6.2.4")
    assert linked_titles(entry) == {"Bias", "Prompt leak"}
