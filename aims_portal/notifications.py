"""Notifications and reminders.

Apps register reminder sources (functions that yield ``Reminder``s for what is due now:
reviews coming up, actions overdue, auditor access expiring); ``send_reminders`` turns
them into in-app notifications and e-mails.

Events (aims_portal.events: approvals, assignments, findings, mentions) are delivered the
same way, by ``deliver``.

Rules enforced here:
- each reminder or event is delivered once per user, however often the task runs and even
  when two runs overlap: the event key is unique per user in the database;
- a notice goes to an active user with an e-mail address by e-mail as well as in-app; for an
  event, once the change that raised it has committed (a rolled-back step sends nothing);
- a user who chose the daily digest gets no e-mail per notice, but one e-mail a day listing
  the notices not yet e-mailed (``send_digests``);
- reminders also go to the webhooks subscribed to "due" events, once per due event.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import roles, webhooks
from .models import Notification, NotificationPreference

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


def deliver(reminder, event="due", *, after_commit=False):
    """Create the notification unless this event was already notified; True when new.
    With ``after_commit`` (events raised inside a change) the e-mail leaves once the
    change commits; reminders, which change nothing else, send it at once."""
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                user=reminder.user,
                key=reminder.key[:200],
                defaults={
                    "title": reminder.title[:200],
                    "body": reminder.body,
                    "url": reminder.url[:500],
                    "event": event,
                },
            )
    except IntegrityError:  # an overlapping run created it between our read and write
        return False
    user = reminder.user
    if created and user.email and user.is_active and not wants_digest(user):
        if after_commit:
            transaction.on_commit(lambda: _email_one(notification.pk))
        else:
            _email_one(notification.pk)
    return created


def _email_one(notification_id):
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    link = f"\n\n{settings.PORTAL_BASE_URL}{notification.url}" if notification.url else ""
    send_mail(
        f"[AIMS portal] {notification.title}",
        f"{notification.body}{link}",
        settings.DEFAULT_FROM_EMAIL,
        [notification.user.email],
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


def wants_digest(user) -> bool:
    return NotificationPreference.objects.filter(user=user, daily_digest=True).exists()


def send_digests() -> int:
    """E-mail each digest user the notices not e-mailed yet, in one message; returns how
    many e-mails went out. The notices are locked and marked e-mailed in one transaction,
    so two overlapping runs never send one twice."""
    sent = 0
    users = (
        get_user_model()
        .objects.filter(is_active=True, notification_preference__daily_digest=True)
        .exclude(email="")
    )
    for user in users:
        with transaction.atomic():
            pending = list(
                Notification.objects.select_for_update()
                .filter(user=user, emailed_at__isnull=True)
                .order_by("created_at", "id")
            )
            if not pending:
                continue
            lines = [
                f"- {n.title}" + (f"\n  {settings.PORTAL_BASE_URL}{n.url}" if n.url else "")
                for n in pending
            ]
            plural = "s" if len(pending) != 1 else ""
            send_mail(
                f"[AIMS portal] Your daily digest: {len(pending)} notification{plural}",
                "\n".join(lines),
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
                emailed_at=timezone.now()
            )
            sent += 1
    return sent


def send_reminders():
    """Run every source and deliver what is new; returns how many were delivered. Each due
    event also goes, once, to the webhooks subscribed to "due"."""
    delivered = 0
    for source in _SOURCES:
        for reminder in source():
            delivered += deliver(reminder)
            webhooks.queue(
                "due",
                reminder.key,
                {"title": reminder.title, "body": reminder.body, "url": reminder.url},
            )
    return delivered


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
