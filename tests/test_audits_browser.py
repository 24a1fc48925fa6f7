"""Audit journeys in a real browser: recording checklist results and raising a finding, a
corrective action through its independent effectiveness check, and a management review
completed with its figures frozen. Screenshots go to test-artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from aims_portal import roles
from audits import services
from audits.models import Audit, CorrectiveAction, EvidenceItem, Finding, ManagementReview

from . import factories
from .browser import log_in, pick_links, screenshot
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(make_user):
    return {
        "lead": make_user(
            roles.GOVERNANCE_LEAD, username="grace", first_name="Grace", last_name="Lead"
        ),
        "ia": make_user(
            roles.GOVERNANCE_LEAD, username="ina", first_name="Ina", last_name="Auditor"
        ),
        "owner": make_user(
            roles.GOVERNANCE_LEAD, username="olga", first_name="Olga", last_name="Owner"
        ),
        "exec": make_user(
            roles.EXECUTIVE, username="erin", first_name="Erin", last_name="Executive"
        ),
    }


def switch_user(page, username):
    page.context.clear_cookies()
    log_in(page, username, factories.PASSWORD)


def test_record_results_raise_a_finding_and_act_on_it(page, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lead, ia, owner = people["lead"], people["ia"], people["owner"]
    audit = factories.audit(lead, ia, controls=("A.6.2.4", "A.6.2.6"))
    audit = services.audit_transition(audit, "start", actor=lead)

    log_in(page, "ina", factories.PASSWORD)
    page.goto(audit.get_absolute_url())
    page.get_by_role("link", name="9.2 Internal audit").click()
    page.get_by_role("link", name="Record result").click()
    page.get_by_label("Result").select_option("nonconformity")
    page.get_by_label("Audit notes").fill("No audit programme was approved for this year.")
    page.get_by_label("Reason for this change").fill("Audited on site")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Raise finding").click()
    page.get_by_label("Type").select_option("minor_nc")
    page.get_by_label("Title").fill("Audit programme not approved")
    page.get_by_label("Description").fill("The programme exists only as a draft spreadsheet.")
    page.get_by_role("button", name="Create").click()
    finding = Finding.objects.get()
    assert finding.checklist_line == line(audit, "9.2") and finding.raised_by == ia

    # Evidence on the line: a refused file first (nothing saved), then a PDF.
    page.goto(line(audit, "9.2").get_absolute_url())
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("Title").fill("Draft programme spreadsheet")
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "macro.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Files of type “.exe” are not accepted")).to_be_visible()
    screenshot(page, "audits-00-evidence-refused")
    assert not EvidenceItem.objects.exists()
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "programme.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.get_by_role("button", name="Add evidence").click()
    evidence = page.get_by_role("region", name="Evidence")
    expect(evidence.get_by_role("link", name="Draft programme spreadsheet")).to_be_visible()

    for ref, result in (("10.2", "conforms"), ("A.6.2.4", "observation")):
        factories.record_line(line(audit, ref), ia, result, notes="Sampled three records.")
    page.goto(audit.get_absolute_url())
    checklist = page.get_by_role("region", name="Checklist")
    expect(checklist.get_by_text("Nonconformity", exact=True)).to_be_visible()
    expect(
        page.get_by_role("region", name="Findings").get_by_text(finding.reference)
    ).to_be_visible()
    screenshot(page, "audits-01-checklist")

    # The corrective action, owned by someone else than the auditor.
    page.goto(finding.get_absolute_url())
    page.get_by_role("link", name="Add corrective action").click()
    page.get_by_label("Title").fill("Approve the audit programme")
    page.get_by_label("Root cause").fill("Nobody was asked to approve it.")
    page.get_by_label("Corrective action").fill("Executive approval each January.")
    page.get_by_label("Owner").select_option(label=str(owner))
    page.get_by_label("Due").fill("2099-01-31")
    page.get_by_role("button", name="Create").click()
    action = CorrectiveAction.objects.get()
    for step in ("start", "implement"):
        action = services.corrective_action_transition(action, step, actor=owner)

    switch_user(page, "olga")  # the owner sees why they cannot check their own action
    page.goto(action.get_absolute_url())
    expect(page.get_by_text("As the owner, you cannot make this check yourself.")).to_be_visible()
    expect(page.get_by_role("button", name="Verify effective")).to_have_count(0)

    switch_user(page, "ina")  # wrote the action's first version: four-eyes keeps her out too
    page.goto(action.get_absolute_url())
    expect(page.get_by_role("button", name="Verify effective")).to_have_count(0)

    switch_user(page, "erin")  # took no part in the action
    page.goto(action.get_absolute_url())
    expect(page.get_by_text("Effectiveness check due.")).to_be_visible()
    screenshot(page, "audits-02-corrective-action")
    page.get_by_label("Reason (required)").first.fill("January approval minuted and signed.")
    page.get_by_role("button", name="Verify effective").click()
    expect(page.get_by_text("is now verified effective")).to_be_visible()
    action.refresh_from_db()
    assert action.effectiveness_checked_by == people["exec"] and action.status == "verified"
    screenshot(page, "audits-03-corrective-action-verified")


def test_an_overdue_action_is_marked(page, people):
    lead, ia, owner = people["lead"], people["ia"], people["owner"]
    audit = services.audit_transition(factories.audit(lead, ia), "start", actor=lead)
    finding = factories.finding(factories.record_line(line(audit, "9.2"), ia, "nonconformity"), ia)
    action = factories.corrective_action(lead, owner, finding=finding)
    import datetime

    CorrectiveAction.objects.filter(pk=action.pk).update(
        due_date=datetime.date.today() - datetime.timedelta(days=4)
    )
    log_in(page, "grace", factories.PASSWORD)
    page.goto(action.get_absolute_url())
    expect(page.get_by_text("Overdue by 4 days.")).to_be_visible()
    page.goto("/")
    page.get_by_role("link", name="Overdue 1").click()
    expect(page.get_by_role("cell", name=action.reference)).to_be_visible()
    screenshot(page, "audits-04-overdue-actions")


def test_prepare_and_complete_a_management_review(page, people):
    lead, chair = people["lead"], people["exec"]
    log_in(page, "grace", factories.PASSWORD)
    page.goto("/audits/reviews/")
    page.get_by_role("link", name="New management review").first.click()
    page.get_by_label("Meeting date").fill(__import__("datetime").date.today().isoformat())
    page.get_by_label("Chair").select_option(label=str(chair))
    pick_links(page, "Attendees", str(lead))
    page.get_by_label("Decisions").fill("Approve the audit programme; fund a second auditor.")
    page.get_by_role("button", name="Create").click()
    review = ManagementReview.objects.get()
    expect(page.get_by_text("the figures below are live")).to_be_visible()
    page.get_by_role("button", name="Complete and freeze figures").click()
    expect(page.get_by_text("The figures below are those of that moment")).to_be_visible()
    review.refresh_from_db()
    assert review.status == "completed" and review.figures["findings"]
    screenshot(page, "audits-05-management-review")


def test_demo_audit_and_review_pages(page, users):
    from assessments import demo as assessments_demo
    from audits import demo
    from controls import demo as controls_demo
    from registry import demo as registry_demo

    for module in (registry_demo, assessments_demo, controls_demo, demo):
        module.load(users)
    audit = Audit.objects.get(status="completed")
    log_in(page, "lead", factories.PASSWORD)
    page.goto(audit.get_absolute_url())
    expect(
        page.get_by_role("region", name="Findings").get_by_text("Major nonconformity").first
    ).to_be_visible()
    screenshot(page, "audits-06-demo-audit")
    page.goto(ManagementReview.objects.get().get_absolute_url())
    expect(page.get_by_text("Frozen", exact=True)).to_be_visible()
    screenshot(page, "audits-07-demo-review")
    late = next(a for a in CorrectiveAction.objects.all() if a.is_overdue)
    page.goto(late.get_absolute_url())
    expect(page.get_by_text("Overdue by 12 days.")).to_be_visible()
    screenshot(page, "audits-08-demo-overdue-action")
