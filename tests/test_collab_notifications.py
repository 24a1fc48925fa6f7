"""Events told to the people concerned, once each, in-app and by e-mail or daily digest:
approval requested, approved or returned, assigned, finding raised, mentioned."""

import pytest
from django.core import mail

from aims_portal import comments, notification_preferences, notifications, roles
from aims_portal.models import Comment, Notification
from assessments import services as assessments
from audits import services as audits
from audits.models import ChecklistLine

from . import factories

pytestmark = pytest.mark.django_db


def events_of(user):
    return list(Notification.objects.filter(user=user).values_list("event", flat=True))


def test_submitting_an_assessment_asks_the_approvers_once(
    lead, executive, owner, django_capture_on_commit_callbacks
):
    assessment = factories.impact_assessment(lead)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assessments.assessment_transition(assessment, "submit", actor=lead)
    assert events_of(executive) == ["approval.requested"]
    # The submitter is not asked to approve their own work; the owner role cannot approve.
    assert events_of(lead) == [] and events_of(owner) == []
    notice = Notification.objects.get(user=executive)
    assert notice.url == assessment.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[executive.email]]
    assert "Approval requested" in mail.outbox[0].subject


def test_approving_tells_the_submitter_and_returning_says_why(lead, executive):
    first = factories.impact_assessment(lead)
    assessments.assessment_transition(first, "submit", actor=lead)
    assessments.assessment_transition(first, "approve", actor=executive)
    assert "approval.approved" in events_of(lead)
    second = factories.impact_assessment(lead)
    assessments.assessment_transition(second, "submit", actor=lead)
    assessments.assessment_transition(
        second, "return", actor=executive, reason="Add the fairness impact."
    )
    returned = Notification.objects.get(user=lead, event="approval.returned")
    assert "Add the fairness impact." in returned.body
    # The approver is not told of their own step.
    assert "approval.approved" not in events_of(executive)


def test_a_raised_finding_and_an_assigned_action_are_told(lead, owner, make_user):
    ia = make_user(roles.GOVERNANCE_LEAD, username="ia")
    audit = factories.audit(lead, ia, controls=("A.6.2.4",))
    audits.audit_transition(audit, "start", actor=lead)
    line = ChecklistLine.objects.get(audit=audit, ref="9.2")
    finding = factories.finding(factories.record_line(line, ia, "nonconformity"), ia)
    # The programme owner hears of the finding; whoever raised it does not.
    assert events_of(lead) == ["finding.raised"]
    assert events_of(ia) == []
    action = factories.corrective_action(lead, owner, finding=finding)
    notice = Notification.objects.get(user=owner, event="assigned")
    assert action.reference in notice.title
    assert notice.url == action.get_absolute_url()


def test_assigning_to_oneself_tells_nobody(lead):
    factories.risk(lead)
    assert events_of(lead) == []


def test_one_notice_per_event_however_often_it_is_raised(lead, executive):
    from aims_portal import events

    assessment = factories.impact_assessment(lead)
    for _ in range(3):
        events.emit(
            "approval.requested",
            key=f"test:{assessment.pk}",
            title="Approval requested",
            recipients=[executive],
            record=assessment,
            actor=lead,
        )
    assert Notification.objects.filter(user=executive).count() == 1


def test_a_mention_notifies_the_lead_and_is_kept_in_history(
    owner, lead, auditor, django_capture_on_commit_callbacks
):
    system = factories.ai_system(owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comments.comment_create(
            system, actor=owner, body="@lead please check the RAG sources. cc @nobody"
        )
    assert list(comment.mentions.all()) == [lead]
    notice = Notification.objects.get(user=lead, event="mentioned")
    assert notice.url.endswith(f"#comment-{comment.pk}")
    assert "please check" in notice.body
    assert comment.history.count() == 1
    assert comment.history.first().history_user == owner
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_an_empty_or_oversized_comment_changes_nothing(owner):
    from django.core.exceptions import ValidationError

    system = factories.ai_system(owner)
    for body in ("   ", "x" * 5001, "bad\x00byte"):
        with pytest.raises(ValidationError):
            comments.comment_create(system, actor=owner, body=body)
    assert Comment.objects.count() == 0


def test_digest_users_get_one_email_a_day_instead(lead, executive):
    notification_preferences.preference_set(executive, daily_digest=True)
    for _ in range(2):
        assessment = factories.impact_assessment(lead)
        assessments.assessment_transition(assessment, "submit", actor=lead)
    assert Notification.objects.filter(user=executive).count() == 2
    mail.outbox.clear()
    assert notifications.send_digests() == 1
    assert len(mail.outbox) == 1
    assert "2 notifications" in mail.outbox[0].subject
    assert notifications.send_digests() == 0  # nothing sent twice
    assert executive.notification_preference.history.count() == 1
