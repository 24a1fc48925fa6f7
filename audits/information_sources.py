"""Which of this app's records provide items of the documented-information list
(controls.documented_information): the audit programme, internal audit results,
management reviews, and the findings with their corrective actions."""

from django.urls import reverse

from controls.documented_information import Source, provider

from .models import Audit, AuditProgramme, CorrectiveAction, Finding, ManagementReview


@provider("internal-audit-programme")
def audit_programmes():
    programme = AuditProgramme.objects.order_by("-year").first()
    if programme is None:
        return [], "No internal audit programme is planned."
    return [Source(str(programme), programme.get_absolute_url())]


@provider("internal-audit-results")
def completed_audits():
    audit = Audit.objects.filter(status=Audit.Status.COMPLETED).order_by("-completed_at").first()
    if audit is None:
        return [], "No internal audit has been completed."
    return [Source(f"{audit} (completed {audit.completed_at:%d %b %Y})", audit.get_absolute_url())]


@provider("management-review-results")
def completed_reviews():
    review = (
        ManagementReview.objects.filter(status=ManagementReview.Status.COMPLETED)
        .order_by("-meeting_date")
        .first()
    )
    if review is None:
        return [], "No management review has been completed."
    return [Source(f"{review} ({review.meeting_date:%d %b %Y})", review.get_absolute_url())]


@provider("nonconformities-and-actions")
def findings_and_actions():
    ncs = Finding.objects.filter(kind__in=Finding.NONCONFORMITIES)
    count = ncs.count()
    if not count:
        return [
            Source("Findings register: no nonconformity raised yet", reverse("audits:finding-list"))
        ]
    unanswered = ncs.filter(corrective_actions__isnull=True).count()
    sources = [
        Source(f"Nonconformities: {count}", reverse("audits:finding-list")),
        Source(
            f"Corrective actions: {CorrectiveAction.objects.count()}",
            reverse("audits:action-list"),
        ),
    ]
    if unanswered:
        verb = "nonconformity has" if unanswered == 1 else "nonconformities have"
        return [], f"{unanswered} {verb} no corrective action."
    return sources
