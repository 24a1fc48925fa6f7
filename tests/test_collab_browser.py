"""Working together in a real browser, on the demo data, on a desktop and a 390 px phone:
the executive clears the inbox; an owner is told of an assignment, comments with a mention,
and the mentioned lead is told; search and the webhook pages. axe on every new page."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from aims_portal import mywork, readiness, roles
from aims_portal.management.commands.seed_demo import demo_password
from aims_portal.models import Notification, User
from controls.catalogue import load_catalogue
from controls.models import Control

from . import factories
from .axe import AxeAudit
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    readiness.forget()
    for role in roles.role_names():
        Group.objects.get_or_create(name=role)
    if Control.objects.count() != 38:
        load_catalogue()
    call_command("seed_demo", stdout=StringIO())
    yield
    readiness.forget()


APPROVALS = "section:has(#work-approvals) .work-item"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def decide_first_item(page):
    """Open the first item of My work and approve it, or return it with a reason when the
    approval is not possible (a guard names what is missing)."""
    page.goto("/my-work/")
    page.locator(APPROVALS).first.locator("a").click()
    steps = page.locator("#steps")
    approve = steps.locator("button.btn-success")
    if approve.count():
        approve.first.click()
    else:
        form = steps.locator("form:has(button.btn-outline-danger)").first
        form.locator("input[name=reason]").fill("Not ready: see the blocked steps above.")
        form.locator("button.btn-outline-danger").click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success"), page.content()[:2000]).to_have_count(1)


def test_the_executive_clears_the_inbox(page, phone, demo):
    audit = AxeAudit()
    executive = User.objects.get(username="exec")
    waiting = mywork.count_for(executive)
    approvals = len(
        next(g for g in mywork.groups_for(executive) if g["source"].key == "approvals")["items"]
    )
    assert approvals >= 1
    log_in(page, "exec", demo_password("exec"))
    page.goto("/")
    expect(page.locator("#my-work-count")).to_have_text(str(waiting))
    page.get_by_role("link", name=f"My work: {waiting} waiting").click()
    page.wait_for_url("**/my-work/")
    expect(page.locator(APPROVALS)).to_have_count(approvals)
    audit.check(page)
    screenshot(page, "collab-01-exec-inbox-desktop")
    log_in(phone, "exec", demo_password("exec"))
    phone.goto("/my-work/")
    audit.check(phone, "/my-work/ (phone)")
    screenshot(phone, "collab-02-exec-inbox-phone")

    for _ in range(approvals):
        decide_first_item(page)
    page.goto("/my-work/")
    expect(page.locator("#work-approvals")).to_have_count(0)
    assert mywork.count_for(executive) == waiting - approvals
    expect(page.locator("#my-work-count")).to_have_text(str(waiting - approvals))
    screenshot(page, "collab-03-exec-inbox-cleared")
    audit.assert_clean()


def test_an_owner_is_assigned_comments_and_the_lead_is_told(page, phone, demo):
    audit = AxeAudit()
    lead, owner = User.objects.get(username="lead"), User.objects.get(username="owner")
    risk = factories.risk(lead, owner=owner, title="Supplier model changes without notice")

    log_in(page, "owner", demo_password("owner"))
    page.goto("/notifications/")
    notice = page.get_by_role("link", name=f"Assigned to you: risk {risk}")
    expect(notice).to_be_visible()
    audit.check(page)
    screenshot(page, "collab-04-owner-notified")
    notice.click()
    page.wait_for_url(f"**{risk.get_absolute_url()}")
    page.get_by_label("Add a comment").fill("Mitigation drafted, @lead please review the plan.")
    page.get_by_role("button", name="Comment").click()
    page.wait_for_url("**#comment-*")
    expect(page.locator("#comments").get_by_text("please review the plan")).to_be_visible()
    audit.check(page, "risk page with a comment")
    screenshot(page, "collab-05-owner-commented")

    log_in(phone, "lead", demo_password("lead"))
    phone.goto("/notifications/")
    mention = phone.get_by_role("link", name=f"{owner} mentioned you on risk {risk}")
    expect(mention).to_be_visible()
    screenshot(phone, "collab-06-lead-notified-phone")
    mention.click()
    phone.wait_for_url("**#comment-*")
    expect(phone.locator("#comments").get_by_text("please review the plan")).to_be_visible()
    screenshot(phone, "collab-07-lead-reads-comment-phone")
    assert Notification.objects.filter(user=lead, event="mentioned").count() == 1
    audit.assert_clean()


def test_search_and_webhook_pages(page, phone, demo):
    audit = AxeAudit()
    log_in(page, "admin", demo_password("admin"))
    page.goto("/")
    page.get_by_label("Search records").fill("data")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=data")
    expect(page.locator(".search-results li").first).to_be_visible()
    audit.check(page)
    screenshot(page, "collab-08-search-desktop")

    page.goto("/webhooks/")
    audit.check(page)
    page.get_by_role("link", name="Add webhook").first.click()
    audit.check(page)
    page.get_by_label("Name").fill("Governance channel")
    page.get_by_label("URL").fill("https://hooks.example.test/aims")
    page.get_by_label("Mentioned in a comment").check()
    page.get_by_label("Approval requested").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/webhooks/*/")
    expect(page.locator("#webhook-secret")).not_to_be_empty()
    audit.check(page)
    screenshot(page, "collab-09-webhook-detail")
    page.goto("/webhooks/deliveries/")
    audit.check(page)
    page.goto("/notifications/settings/")
    audit.check(page)

    log_in(phone, "owner", demo_password("owner"))
    phone.goto("/search/?q=data")
    audit.check(phone, "/search/ (phone)")
    screenshot(phone, "collab-10-search-phone")
    audit.assert_clean()
