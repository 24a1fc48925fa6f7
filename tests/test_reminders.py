"""Reminders: in-app and by e-mail, once per due event however often the task runs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aims_portal import notifications
from aims_portal.models import Notification
from aims_portal.tasks import send_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring_auditor(make_user):
    return make_user("auditor", username="ext", access_until=timezone.now() + timedelta(days=3))


def test_access_expiring_notifies_the_auditor_and_the_admins(expiring_auditor, admin_user):
    delivered = send_reminders.delay().get()
    assert delivered == 2
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "ext",
        "admin",
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [expiring_auditor.email, admin_user.email]
    )


def test_running_twice_sends_each_reminder_once(expiring_auditor, admin_user):
    send_reminders.delay().get()
    assert send_reminders.delay().get() == 0
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_new_due_date_is_a_new_event(expiring_auditor):
    send_reminders.delay().get()
    expiring_auditor.access_until += timedelta(days=1)
    expiring_auditor.save()
    send_reminders.delay().get()
    assert Notification.objects.filter(user=expiring_auditor).count() == 2


def test_far_away_or_past_expiry_is_not_reminded(make_user):
    make_user("auditor", access_until=timezone.now() + timedelta(days=60))
    make_user("auditor", access_until=timezone.now() - timedelta(days=1))
    assert send_reminders.delay().get() == 0


def test_notifications_page_lists_and_marks_read(expiring_auditor, client_for):
    send_reminders.delay().get()
    client = client_for(expiring_auditor)
    page = client.get("/notifications/")
    assert "Your portal access ends soon" in page.content.decode()
    assert page.context["unread_notifications"] == 1
    client.post("/notifications/")
    assert notifications.unread_count(expiring_auditor) == 0
    assert client.get("/header-badges/").context["unread_notifications"] == 0


def test_notifications_are_private(expiring_auditor, lead, client_for):
    send_reminders.delay().get()
    page = client_for(lead).get("/notifications/")
    assert "Your portal access ends soon" not in page.content.decode()
