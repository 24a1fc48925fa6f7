"""Issue 19's defects in a real browser: "Add …" in a panel returns to the system page,
required fields are marked, an audit's results are recorded for every line at once, and a
change request shows the approver the assessment, risks and changes. Desktop and 390 px
phone screenshots; axe finds nothing on each page."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from aims_portal import roles
from audits import services as audits

from . import factories
from .axe import violations
from .browser import log_in, screenshot
from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def clean(page):
    found = violations(page)
    assert not found, found


def test_add_a_data_source_from_the_system_page(page, make_user):
    lead = make_user(roles.GOVERNANCE_LEAD, username="grace", first_name="Grace")
    system = factories.ai_system(lead, name="Claims triage")
    log_in(page, "grace", factories.PASSWORD)
    page.goto(system.get_absolute_url())
    panel = page.locator("section", has=page.get_by_role("heading", name="Data sources"))
    panel.get_by_role("link", name="Add data source").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New data source")
    expect(page.get_by_label("AI system")).to_have_value(str(system.pk))
    expect(page.locator("#required-key")).to_be_visible()
    clean(page)
    screenshot(page, "ux-01-add-in-context-form")
    page.set_viewport_size(PHONE)
    screenshot(page, "ux-02-add-in-context-form-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Name").fill("Claims 2025")
    page.get_by_label("Use").select_option("training")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"**{system.get_absolute_url()}")
    expect(panel.get_by_role("link", name="Claims 2025")).to_be_visible()


def test_record_every_result_on_one_page(page, make_user, lead, ia):
    audit = factories.audit(lead, ia, controls=("A.6.2.4", "A.7.2"))
    audit = audits.audit_transition(audit, "start", actor=lead)
    log_in(page, "ia", factories.PASSWORD)
    page.goto(audit.get_absolute_url())
    page.get_by_role("link", name="Record results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record results")
    clean(page)
    screenshot(page, "ux-03-checklist-results")
    page.set_viewport_size(PHONE)
    screenshot(page, "ux-04-checklist-results-phone")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
        " > 391).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.id)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.set_viewport_size({"width": 1280, "height": 900})
    for select in page.get_by_label("Result").all():
        select.select_option("conforms")
    page.get_by_role("button", name="Save all results").click()
    expect(page.get_by_text("4 results recorded.")).to_be_visible()
    assert audit.checklist.filter(result="conforms").count() == 4


def test_the_approver_sees_what_to_weigh(page, make_user):
    lead = make_user(roles.GOVERNANCE_LEAD, username="grace", first_name="Grace")
    make_user(roles.EXECUTIVE, username="erin", first_name="Erin")
    system = factories.production_ready(lead, regions=["eu", "uk"])
    factories.risk(lead, systems=[system], title="Drift after go-live")
    from registry import services as registry

    with transaction.atomic():  # as an approved step writes it
        system = registry.system_write(system, actor=lead, reason="Region", regions=["eu", "us"])
    change = factories.change_request(lead, system)
    log_in(page, "erin", factories.PASSWORD)
    page.goto(change.get_absolute_url())
    expect(page.locator("#approver-risks")).to_contain_text("Drift after go-live")
    expect(page.locator("#approver-diff ins")).to_contain_text("us")
    clean(page)
    screenshot(page, "ux-05-change-approver")
    page.set_viewport_size(PHONE)
    screenshot(page, "ux-06-change-approver-phone")
