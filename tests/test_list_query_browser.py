"""In a browser: the risk register opened with bad filter values shows the page, the
message naming each ignored filter, and the risks the valid filters select."""

import pytest
from playwright.sync_api import expect

from aims_portal import roles

from . import factories
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bad_filters_on_the_register_show_a_message(page, make_user):
    lead = make_user(roles.GOVERNANCE_LEAD, username="lead-b")
    lead.set_password("lead-password-2026")
    lead.save()
    factories.risk(lead, title="Prompt injection")
    log_in(page, "lead-b", "lead-password-2026")
    page.goto("/assessments/risks/?owner=abc&treatment=zzz&per_page=-1")
    screenshot(page, "robust-01-risk-register-bad-filters")
    text = " ".join(page.locator(".alert-warning").all_inner_texts())
    assert "Filter ignored. Owner" in text and "Filter ignored. Treatment" in text
    expect(page.get_by_role("link", name="Prompt injection")).to_be_visible()
