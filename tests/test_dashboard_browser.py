"""The dashboard, the readiness page and a record seen by an auditor, in a real browser on
the demo data: the figures open their lists, the checks name their records, and the auditor
can read but not change."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from aims_portal import readiness, roles
from aims_portal.management.commands.seed_demo import demo_password
from controls.catalogue import load_catalogue
from controls.models import Control
from registry.models import AISystem

from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    readiness.forget()
    # Transactional tests flush what migrations created: the role groups and the catalogue.
    for role in roles.role_names():
        Group.objects.get_or_create(name=role)
    if Control.objects.count() != 38:
        load_catalogue()
    call_command("seed_demo", stdout=StringIO())
    yield
    readiness.forget()


def test_dashboard_figures_open_their_lists(page, demo):
    log_in(page, "exec", demo_password("exec"))
    page.goto("/")
    for heading in (
        "Certification readiness",
        "AI systems by risk tier and lifecycle stage",
        "Risks by residual level and heat maps",
        "Statement of Applicability: progress by group",
        "Reviews due in the next 30 days",
    ):
        expect(page.get_by_role("heading", name=heading), heading).to_be_visible()
    # The trend starts at the first record: twelve months, or since the demo's first one.
    trend = page.get_by_role("heading", name=re.compile(r"^Trend (over twelve months|since )"))
    expect(trend).to_be_visible()
    expect(page.locator("svg.heat-map")).to_have_count(2)
    expect(page.locator("nav[aria-label=Areas] a[aria-current=page]")).to_have_text("Dashboard")
    screenshot(page, "dashboard-01-executive")

    production = AISystem.objects.filter(stage="production").count()
    table = page.locator("table", has_text="Risk tier")
    table.locator("thead").get_by_role("link", name="Production").click()
    page.wait_for_url("**/inventory/systems/?stage=production")
    assert production
    count = re.compile(rf"^\s*{production} AI systems? matching your filters\s*$")
    expect(page.get_by_text(count)).to_be_visible()


def test_readiness_page_lists_the_records_to_fix(page, demo):
    log_in(page, "lead", demo_password("lead"))
    page.goto("/")
    page.locator("nav[aria-label=Areas]").get_by_role(
        "link", name="Certification readiness"
    ).click()
    page.wait_for_url("**/readiness/")
    results = readiness.run_checks()
    passed = sum(r.passed for r in results)
    expect(
        page.get_by_role("heading", name=f"Score: {passed} of {len(results)} checks pass")
    ).to_be_visible()
    failing = next(r for r in results if not r.passed)
    card = page.locator(f"#{failing.key}")
    expect(card.get_by_text("Fails:")).to_be_visible()
    first = failing.failures[0]
    if first.url:
        expect(card.get_by_role("link", name=first.label).first).to_be_visible()
    screenshot(page, "dashboard-02-readiness")


def test_an_auditor_reads_a_record_without_edit_controls(page, demo):
    log_in(page, "auditor", demo_password("auditor"))
    system = AISystem.objects.filter(stage="production").order_by("pk").first()
    page.goto(system.get_absolute_url())
    expect(page.get_by_role("heading", name=system.name).first).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="History").first).to_be_visible()
    nav = page.locator("nav[aria-label=Areas]")
    expect(nav.get_by_role("link", name="Integrity")).to_be_visible()
    screenshot(page, "dashboard-03-record-as-auditor")
