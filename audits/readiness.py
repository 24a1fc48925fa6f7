"""Certification readiness: at least one internal audit has been completed."""

from django.urls import reverse

from aims_portal.readiness import Failure, check

from .models import Audit


@check(
    "internal-audit",
    "Internal audit done at least once",
    "A certification body expects the AIMS to have been audited internally, with a report, "
    "before the stage 2 audit.",
    order=120,
)
def internal_audit_done():
    if Audit.objects.filter(status=Audit.Status.COMPLETED).exists():
        return []
    url = reverse("audits:audit-list")
    planned = Audit.objects.filter(status__in=[Audit.Status.PLANNED, Audit.Status.IN_PROGRESS])
    first = planned.order_by("planned_start").first()
    if first is not None:
        return [
            Failure(
                str(first),
                first.get_absolute_url(),
                "No internal audit is completed yet; this one is "
                f"{first.get_status_display().lower()}.",
            )
        ]
    return [Failure("Internal audits", url, "No internal audit has been completed or planned.")]
