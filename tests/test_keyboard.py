"""The main forms work with the keyboard alone: every field is reached with Tab in order,
filled by typing (selects by type-ahead), buttons pressed with Enter or Space. No clicks."""

import pytest
from playwright.sync_api import expect

from assessments.models import ImpactAssessment
from registry.models import AISystem

from . import factories
from .browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 120


def tab_to(page, selector, backwards=False):
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    focused = page.evaluate("() => document.activeElement?.outerHTML.slice(0, 200)")
    pytest.fail(f"{selector} not reached with {key}; focus is on {focused}")


def type_into(page, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector, typed, expected_label):
    """Pick a <select> option by typing its first letters, as keyboard users do."""
    tab_to(page, selector)
    page.keyboard.type(typed)
    label = page.evaluate(
        "(s) => { const e = document.querySelector(s); return e.options[e.selectedIndex].text }",
        selector,
    )
    assert label.startswith(expected_label), f"{selector}: typed {typed!r}, got {label!r}"


def type_date(page, selector, iso):
    """Date inputs take digits segment by segment, in the order of the browser's own locale
    (not the page's): month first in Debian's Chromium by default, day first elsewhere."""
    tab_to(page, selector)
    year, month, day = iso.split("-")
    for attempt, order in enumerate(((month, day, year), (day, month, year))):
        if attempt:
            page.keyboard.press("Shift+Tab")  # back to the first segment
            page.keyboard.press("Shift+Tab")
        page.keyboard.type("".join(order))
        if page.locator(selector).input_value() == iso:
            return
    pytest.fail(f"{selector}: could not type {iso}, got {page.locator(selector).input_value()}")


def log_in_by_keyboard(page, username):
    page.goto("/accounts/login/")
    type_into(page, "#id_username", username)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_impact_assessment_by_keyboard(page, make_user):
    lead = make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    factories.ai_system(lead, name="Customer support assistant")
    log_in_by_keyboard(page, "grace")
    page.goto("/assessments/impact/")
    tab_to(page, 'a[href$="/assessments/impact/new/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/assessments/impact/new/")

    choose(page, "#id_system", "Cust", "Customer support assistant")
    choose(page, "#id_owner", "Grace", "Grace Lead")
    type_into(page, "#id_purpose", "Suggest replies to support agents.")
    type_into(page, "#id_intended_users", "Support agents")
    type_into(page, "#id_environment", "Production, EU region")
    type_into(page, "#id_data_flows", "Tickets in, suggested replies out")
    type_into(page, "#id_direct_users", "Support agents")
    type_into(page, "#id_third_parties", "Customers who wrote the tickets")
    type_into(page, "#id_vulnerable_groups", "Customers in financial difficulty")

    tab_to(page, "#add-impact")
    page.keyboard.press("Enter")
    impact = page.locator("[data-impact]").first
    expect(impact).to_be_visible()
    choose(page, "[data-impact] select[name$='-category']", "Priv", "Privacy")
    type_into(page, "[data-impact] textarea[name$='-description']", "A reply leaks a ticket.")
    choose(page, "[data-impact] select[name$='-likelihood']", "4", "4")
    choose(page, "[data-impact] select[name$='-severity']", "4", "4")
    expect(impact.locator('[data-score="inherent"]')).to_have_text("16 · High")
    type_into(page, "[data-impact] textarea[name$='-technical_mitigations']", "Output filter.")
    type_into(page, "[data-impact] textarea[name$='-procedural_mitigations']", "Agents check.")
    choose(page, "[data-impact] select[name$='-residual_likelihood']", "1", "1")
    choose(page, "[data-impact] select[name$='-residual_severity']", "4", "4")

    choose(page, "#id_decision", "Mit", "Mitigate")
    type_into(page, "#id_decision_rationale", "Acceptable with the listed mitigations.")
    type_date(page, "#id_next_review", "2027-06-30")
    screenshot(page, "keyboard-01-assessment-filled")
    tab_to(page, "button[name=submit]")
    page.keyboard.press("Space")
    expect(page.get_by_text("submitted for review")).to_be_visible()
    screenshot(page, "keyboard-02-assessment-submitted")
    assessment = ImpactAssessment.objects.get()
    assert assessment.status == "in_review"
    assert assessment.impacts.get().description == "A reply leaks a ticket."


def test_ai_system_edit_by_keyboard(page, make_user):
    owner = make_user("system_owner", username="omar", first_name="Omar", last_name="Owner")
    system = factories.ai_system(owner, name="Invoice field extractor", owner=owner)
    log_in_by_keyboard(page, "omar")
    page.goto(system.get_absolute_url())
    tab_to(page, f'a[href$="/inventory/systems/{system.pk}/edit/"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/")

    type_into(page, "#id_description", "Reads supplier invoices into the ledger.")
    choose(page, "#id_risk_tier", "Med", "Medium")
    type_into(page, "#id_approved_by", "dpo:Dana Ortiz")
    type_date(page, "#id_last_reviewed", "2026-11-20")
    type_into(page, "#id_change_reason", "Classification reviewed")
    screenshot(page, "keyboard-03-system-edit")
    page.keyboard.press("Enter")  # implicit submission from a text field
    expect(page.get_by_role("heading", name="Invoice field extractor")).to_be_visible()
    system = AISystem.objects.get(pk=system.pk)
    assert system.description == "Reads supplier invoices into the ledger."
    assert system.risk_tier == "medium"
    assert system.approved_by == ["dpo:Dana Ortiz"]
    assert str(system.last_reviewed) == "2026-11-20"
