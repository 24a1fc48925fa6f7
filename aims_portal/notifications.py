"""Notifications and reminders.

Apps register reminder sources (functions that yield ``Reminder``s for what is due now:
reviews coming up, actions overdue, auditor access expiring); ``send_reminders`` turns
them into in-app notifications and e-mails.

Rules enforced here:
- each reminder is delivered once per due event, however often the task runs and even
  when two runs overlap: the event key is unique per user in the database;
- a reminder goes to an active user with an e-mail address by e-mail as well as in-app.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import roles
from .models import Notification

_SOURCES = []


@dataclass(frozen=True)
class Reminder:
    user: object
    key: str  # names the due event, e.g. "system-review:12:2026-12-01"
    title: str
    body: str = ""
    url: str = ""


def reminder_source(func):
    """Register ``func() -> iterable of Reminder``; ``send_reminders`` calls every source."""
    _SOURCES.append(func)
    return func


def deliver(reminder):
    """Create the notification unless this event was already notified; True when new."""
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                user=reminder.user,
                key=reminder.key[:200],
                defaults={
                    "title": reminder.title[:200],
                    "body": reminder.body,
                    "url": reminder.url[:500],
                },
            )
    except IntegrityError:  # an overlapping run created it between our read and write
        return False
    if created and reminder.user.email and reminder.user.is_active:
        link = f"\n\n{settings.PORTAL_BASE_URL}{reminder.url}" if reminder.url else ""
        send_mail(
            f"[AIMS portal] {reminder.title}",
            f"{reminder.body}{link}",
            settings.DEFAULT_FROM_EMAIL,
            [reminder.user.email],
        )
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return created


def send_reminders():
    """Run every source and deliver what is new; returns how many were delivered."""
    return sum(deliver(reminder) for source in _SOURCES for reminder in source())


def unread_count(user):
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, ids=None):
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


ACCESS_WARNING_DAYS = 7


@reminder_source
def auditor_access_expiring():
    """Users whose access window closes within a week, and the administrators."""
    now = timezone.now()
    users = get_user_model().objects.filter(
        is_active=True, access_until__gt=now, access_until__lte=now + timedelta(ACCESS_WARNING_DAYS)
    )
    admins = [
        u
        for u in get_user_model().objects.filter(is_active=True)
        if roles.ADMIN in roles.user_roles(u)
    ]
    for user in users:
        until = timezone.localtime(user.access_until).strftime("%d %b %Y %H:%M")
        key = f"access-expiring:{user.pk}:{user.access_until.isoformat()}"
        yield Reminder(user, key, "Your portal access ends soon", f"Your access ends on {until}.")
        for admin in admins:
            yield Reminder(
                admin,
                key,
                f"Access of {user} ends soon",
                f"{user} ({user.username}) can use the portal until {until}.",
                f"/admin/aims_portal/user/{user.pk}/change/",
            )
