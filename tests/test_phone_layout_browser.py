"""The shell on a 390 px wide phone: the areas fold behind a Menu button and the user
menu stays on screen."""

import re

import pytest
from playwright.sync_api import expect

from . import factories
from .axe import violations
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_sidebar_collapses_and_user_menu_is_visible(page, make_user):
    make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/inventory/systems/")
    areas = page.get_by_role("navigation", name="Areas")
    expect(areas).to_be_hidden()
    user_menu = page.get_by_role("button", name="Grace Lead")
    expect(user_menu).to_be_visible()
    box = user_menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    found = violations(page)
    assert not found, found
    screenshot(page, "forms-03-phone-shell")

    page.get_by_role("button", name="Menu").click()
    expect(areas).to_be_visible()
    # Bootstrap marks the panel "show" once it has finished sliding in.
    expect(page.locator("#portal-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(areas.get_by_role("link", name="AI systems")).to_have_attribute("aria-current", "page")
    screenshot(page, "forms-04-phone-menu-open")
    areas.get_by_role("link", name="Risk register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Risk")
    expect(areas).to_be_hidden()

    user_menu.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
