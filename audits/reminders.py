"""Reminder sources: corrective actions past their due date; certification audits coming up
and certificates expiring (below).

Corrective actions past their due date: One notice per action and due
date, to its owner and to the owner of the audit programme or review it comes from, so a
new due date is a new event and the same one is never notified twice."""

from datetime import timedelta

from django.utils import timezone

from aims_portal.notifications import Reminder, reminder_source

from . import selectors
from .models import Certificate, CertificationAudit


@reminder_source
def overdue_corrective_actions():
    today = timezone.localdate()
    late = selectors.overdue_actions().select_related(
        "owner",
        "finding__audit__programme__owner",
        "finding__certification_audit__owner",
        "review__chair",
    )
    for action in late:
        key = f"action-overdue:{action.pk}:{action.due_date.isoformat()}"
        days = (today - action.due_date).days
        body = (
            f"{action.reference} “{action.title}” was due on {action.due_date:%d %b %Y} "
            f"({days} day{'s' if days != 1 else ''} ago) and is "
            f"{action.get_status_display().lower()}."
        )
        url = action.get_absolute_url()
        yield Reminder(
            action.owner, key, f"Corrective action {action.reference} is overdue", body, url
        )
        if action.finding_id is None:
            accountable = action.review.chair
        elif action.finding.audit_id:
            accountable = action.finding.audit.programme.owner
        else:
            accountable = action.finding.certification_audit.owner
        if accountable.pk != action.owner_id:
            yield Reminder(
                accountable,
                key,
                f"{action.reference} is overdue (owner: {action.owner})",
                body,
                url,
            )


# Certification: notices this many days before an external audit starts and before the
# certificate expires. One notice per record and date: a moved audit or a new expiry date is
# a new event, the same one is never notified twice.
CERTIFICATION_AUDIT_NOTICE_DAYS = 30
CERTIFICATE_EXPIRY_NOTICE_DAYS = 90


@reminder_source
def certification_audits_coming_up():
    today = timezone.localdate()
    coming = CertificationAudit.objects.filter(
        status=CertificationAudit.Status.PLANNED,
        planned_start__gte=today,
        planned_start__lte=today + timedelta(days=CERTIFICATION_AUDIT_NOTICE_DAYS),
    ).select_related("owner", "body")
    for audit in coming:
        days = (audit.planned_start - today).days
        yield Reminder(
            audit.owner,
            f"certification-audit:{audit.pk}:{audit.planned_start.isoformat()}",
            f"{audit.get_kind_display()} audit in {days} day{'s' if days != 1 else ''}",
            f"{audit.reference} with {audit.body} starts on {audit.planned_start:%d %b %Y}. "
            "The readiness page shows what is still missing.",
            audit.get_absolute_url(),
        )


@reminder_source
def certificates_expiring():
    today = timezone.localdate()
    expiring = Certificate.objects.filter(
        status=Certificate.Status.VALID,
        expires_on__lte=today + timedelta(days=CERTIFICATE_EXPIRY_NOTICE_DAYS),
    ).select_related("owner", "body")
    for certificate in expiring:
        when = f"{certificate.expires_on:%d %b %Y}"
        yield Reminder(
            certificate.owner,
            f"certificate-expiry:{certificate.pk}:{certificate.expires_on.isoformat()}",
            f"Certificate {certificate.number} "
            + ("has expired" if certificate.expires_on < today else f"expires on {when}"),
            f"The AIMS certificate from {certificate.body} is valid until {when}. Plan the "
            "recertification audit before then.",
            certificate.get_absolute_url(),
        )
