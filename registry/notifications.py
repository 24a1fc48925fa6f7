"""Review reminders for the inventory: AI systems and suppliers whose review is due.

A reminder goes to the record's owner when the review date is within REVIEW_NOTICE_DAYS or
already past; the event key holds the date, so each due date is reminded once and a new
date is a new event.
"""

from datetime import timedelta

from django.utils import timezone

from aims_portal.notifications import Reminder, reminder_source

from .models import AISystem, Supplier

REVIEW_NOTICE_DAYS = 30


def review_horizon():
    return timezone.localdate() + timedelta(days=REVIEW_NOTICE_DAYS)


def review_reminders(records, *, date_field, event, what, recipients=None):
    """Reminders for ``records`` (already filtered to those due) to their active owners.

    ``recipients(record)`` overrides who is told; by default the record's ``owner``.
    """
    today = timezone.localdate()
    for record in records:
        due = getattr(record, date_field)
        people = recipients(record) if recipients else [record.owner]
        when = "was due" if due < today else "is due"
        for person in people:
            if person is None or not person.is_active:
                continue
            yield Reminder(
                person,
                f"{event}:{record.pk}:{due.isoformat()}",
                f"Review of {what} {record} {when} on {due:%d %b %Y}",
                f"The periodic review of {what} {record} {when} on {due:%d %b %Y}.",
                record.get_absolute_url(),
            )


@reminder_source
def system_reviews_due():
    systems = (
        AISystem.objects.in_service()
        .filter(next_review__lte=review_horizon())
        .select_related("owner")
    )
    return review_reminders(
        systems, date_field="next_review", event="system-review", what="AI system"
    )


@reminder_source
def supplier_reviews_due():
    suppliers = (
        Supplier.objects.active().filter(next_review__lte=review_horizon()).select_related("owner")
    )
    return review_reminders(
        suppliers, date_field="next_review", event="supplier-review", what="supplier"
    )
