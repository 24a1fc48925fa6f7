"""Reminders of the management system: staff who have not acknowledged the current version
of an approved policy (once per version), and training records about to expire (once per
record and expiry date)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from aims_portal.notifications import Reminder, reminder_source

from . import selectors


@reminder_source
def policy_acknowledgements_due():
    url = reverse("governance:acknowledgement-status")
    for row in selectors.acknowledgement_summary():
        document = row["document"]
        for person in row["missing"]:
            yield Reminder(
                person,
                f"policy-ack:{document.pk}:{document.doc_version}",
                f"Please read and acknowledge {document.ref} version {document.doc_version}",
                f"{document.title} was approved in version {document.doc_version}. Read it and "
                "confirm in the portal that you have.",
                url,
            )


@reminder_source
def training_expiring():
    today = timezone.localdate()
    horizon = today + timedelta(days=selectors.EXPIRY_WARNING_DAYS)
    latest = selectors.latest_records()
    for record in latest.values():
        if record.expires_on is None or not (today <= record.expires_on <= horizon):
            continue
        yield Reminder(
            record.person,
            f"training-expiry:{record.pk}:{record.expires_on.isoformat()}",
            f"Your “{record.competence.name}” competence expires on {record.expires_on:%d %b %Y}",
            f"{record.activity} ({record.completed_on:%d %b %Y}) stays valid until "
            f"{record.expires_on:%d %b %Y}. Plan a refresher and record it.",
            record.get_absolute_url(),
        )
