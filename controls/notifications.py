"""Review reminders for the SoA (a year after its last approved revision) and for
controlled documents (their own next review date)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from aims_portal import roles
from aims_portal.notifications import Reminder, reminder_source
from registry.notifications import review_horizon, review_reminders

from .models import ControlledDocument, SoARevision

# The SoA is reviewed at least once a year, as part of the management review cycle.
SOA_REVIEW_INTERVAL = timedelta(days=365)


def soa_next_review():
    """(date the SoA is next due for review, latest revision) or (None, None) if never
    approved."""
    latest = SoARevision.objects.order_by("-number").only("number", "approved_at").first()
    if latest is None:
        return None, None
    return timezone.localdate(latest.approved_at) + SOA_REVIEW_INTERVAL, latest


@reminder_source
def soa_review_due():
    due, latest = soa_next_review()
    if due is None or due > review_horizon():
        return
    when = "was due" if due < timezone.localdate() else "is due"
    for lead in roles.users_with_role(roles.GOVERNANCE_LEAD):
        yield Reminder(
            lead,
            f"soa-review:{latest.number}:{due.isoformat()}",
            f"Review of the Statement of Applicability {when} on {due:%d %b %Y}",
            f"Revision {latest.number} was approved on {latest.approved_at:%d %b %Y}; the SoA "
            "is reviewed at least once a year.",
            reverse("controls:soa"),
        )


@reminder_source
def document_reviews_due():
    documents = ControlledDocument.objects.filter(review_date__lte=review_horizon()).select_related(
        "owner"
    )
    return review_reminders(
        documents, date_field="review_date", event="document-review", what="document"
    )
