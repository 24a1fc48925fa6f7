"""Corrective actions: each transition and the refused ones, the effectiveness check by
someone other than the owner, overdue detection everywhere, and the overdue reminder."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims_portal.models import Notification
from aims_portal.notifications import send_reminders
from audits import selectors, services
from audits.models import CorrectiveAction

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(nc_finding, lead, ia2):
    return factories.corrective_action(lead, ia2, finding=nc_finding)


def make_overdue(action, days=5):
    """Move the due date into the past, as time passing would (the service refuses a past
    date on purpose)."""
    CorrectiveAction.objects.filter(pk=action.pk).update(
        due_date=TODAY - datetime.timedelta(days=days)
    )
    action.refresh_from_db()
    return action


def step(action, name, actor, reason=""):
    return services.corrective_action_transition(action, name, actor=actor, reason=reason)


def test_the_full_path_records_each_step(action, ia, ia2):
    assert action.status == "open" and action.reference == f"CA-{TODAY.year}-001"
    action = step(action, "start", ia2)
    assert action.status == "in_progress"
    action = step(action, "implement", ia2)
    assert action.status == "implemented" and action.implemented_at
    action = services.corrective_action_verify(
        action, actor=ia, effective=True, notes="Two later reviews had the audit item."
    )
    assert action.status == "verified"
    assert action.effectiveness_checked_by == ia and action.effectiveness_checked_at
    assert action.effectiveness_result == "effective"
    assert action.effectiveness_notes == "Two later reviews had the audit item."
    action = step(action, "close", ia)
    assert action.status == "closed" and action.closed_at
    reasons = [h.history_change_reason for h in action.history.order_by("history_id")]
    assert reasons[-4:] == [
        "Start work",
        "Mark implemented",
        "Verify effective: Two later reviews had the audit item.",
        "Close action",
    ]


def test_the_owner_cannot_check_effectiveness(action, ia2):
    action = step(step(action, "start", ia2), "implement", ia2)
    with pytest.raises(PermissionDenied, match="named in its “owner” field"):
        services.corrective_action_verify(action, actor=ia2, effective=True, notes="Works")
    action.refresh_from_db()
    assert action.status == "implemented" and action.effectiveness_checked_by is None


def test_the_effectiveness_check_says_what_was_checked(action, ia, ia2):
    action = step(step(action, "start", ia2), "implement", ia2)
    with pytest.raises(ValidationError, match="Say why"):
        step(action, "verify", ia)


def test_not_effective_sends_the_action_back_with_the_check_recorded(action, ia, ia2):
    action = step(step(action, "start", ia2), "implement", ia2)
    action = services.corrective_action_verify(
        action, actor=ia, effective=False, notes="The template still lacks the item."
    )
    assert action.status == "in_progress"
    assert action.effectiveness_result == "not_effective" and action.effectiveness_checked_by == ia


def test_implementing_needs_the_root_cause(nc_finding, lead, ia2):
    action = factories.corrective_action(lead, ia2, finding=nc_finding, root_cause="")
    action = step(action, "start", ia2)
    with pytest.raises(ValidationError, match="root cause"):
        step(action, "implement", ia2)
    action.refresh_from_db()
    assert action.status == "in_progress"


@pytest.mark.parametrize(
    "name, status",
    [("implement", "open"), ("verify", "open"), ("close", "open"), ("start", "implemented")],
)
def test_steps_out_of_order_are_refused(action, ia, ia2, name, status):
    if status == "implemented":
        action = step(step(action, "start", ia2), "implement", ia2)
    with pytest.raises(ValidationError, match="not possible while the record is"):
        step(action, name, ia, reason="x")
    action.refresh_from_db()
    assert action.status == status


def test_a_past_due_date_is_refused_on_creation(nc_finding, lead, ia2):
    with pytest.raises(ValidationError, match="in the past"):
        factories.corrective_action(
            lead, ia2, finding=nc_finding, due_date=TODAY - datetime.timedelta(days=1)
        )
    assert not CorrectiveAction.objects.exists()


def test_an_action_answers_one_finding_or_one_review(nc_finding, lead, ia2):
    review = factories.management_review(lead, lead)
    with pytest.raises(ValidationError, match="either one finding or one management review"):
        factories.corrective_action(lead, ia2, finding=nc_finding, review=review)
    assert factories.corrective_action(lead, ia2, review=review).review == review


def test_a_plan_is_frozen_once_implemented(action, ia2, lead):
    action = step(step(action, "start", ia2), "implement", ia2)
    with pytest.raises(ValidationError, match="frozen"):
        services.corrective_action_update(
            action, actor=lead, data={"title": "x"}, expected_version=action.version, reason="x"
        )


def test_overdue_means_past_due_and_not_yet_implemented(action, ia2):
    assert not action.is_overdue
    action = make_overdue(action)
    assert action.is_overdue
    assert list(selectors.overdue_actions()) == [action]
    action = step(step(action, "start", ia2), "implement", ia2)
    assert not action.is_overdue and not selectors.overdue_actions().exists()


def test_overdue_actions_are_marked_on_list_detail_and_dashboard(action, client, lead):
    make_overdue(action, days=3)
    client.force_login(lead)
    listing = client.get("/audits/actions/?overdue=true").content.decode()
    assert action.reference in listing and "Overdue" in listing
    assert "Overdue by 3 days." in client.get(action.get_absolute_url()).content.decode()
    finding_page = client.get(action.finding.get_absolute_url()).content.decode()
    assert "Overdue" in finding_page
    home = client.get("/").content.decode()
    assert "Corrective actions" in home and "/audits/actions/?overdue=true" in home
    not_late = client.get("/audits/actions/?overdue=false").content.decode()
    assert action.reference not in not_late


def test_the_overdue_reminder_is_sent_once_per_due_date(action, lead, ia2):
    action = make_overdue(action)
    assert send_reminders() == 2  # the owner and the programme owner
    assert send_reminders() == 0
    notice = Notification.objects.get(user=ia2, event="due")
    assert notice.title == f"Corrective action {action.reference} is overdue"
    assert notice.url == action.get_absolute_url()
    make_overdue(action, days=1)  # a new due date is a new event
    assert send_reminders() == 2


def test_the_api_refuses_the_owner_s_own_effectiveness_check(action, client, ia2):
    action = step(step(action, "start", ia2), "implement", ia2)
    client.force_login(ia2)
    url = f"/api/v1/audits/actions/{action.pk}/step/verify/"
    response = client.post(url, {"reason": "Looks fine"}, content_type="application/json")
    assert response.status_code == 403
    assert "named in its “owner” field" in response.json()["detail"]
