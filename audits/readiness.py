"""Certification readiness: at least one internal audit has been completed; the
certification body and stage 1 are booked; stage 1 is cleared before stage 2. Also the two
milestones the readiness page leads with, "ready for stage 1" and "ready for stage 2"."""

from django.urls import reverse

from aims_portal.readiness import Failure, check, detail_url, milestone

from .models import Audit, CertificationAudit, CertificationBody, Finding


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


# --- the certification cycle -------------------------------------------------------------------


@check(
    "certification-planned",
    "Certification body chosen and stage 1 planned",
    "A certification body is recorded and the stage 1 audit is booked with it, with a "
    "coordinator who prepares the organisation.",
    order=140,
)
def certification_planned():
    if not CertificationBody.objects.filter(retired_at=None).exists():
        return [
            Failure(
                "Certification bodies",
                reverse("audits:certbody-list"),
                "No certification body is recorded.",
            )
        ]
    stage_1 = (
        CertificationAudit.objects.filter(kind=CertificationAudit.Kind.STAGE_1, cycle=1)
        .exclude(status=CertificationAudit.Status.CANCELLED)
        .exists()
    )
    if not stage_1:
        return [
            Failure(
                "Certification audits",
                reverse("audits:certaudit-list"),
                "No stage 1 audit is planned with the certification body.",
            )
        ]
    return []


@check(
    "stage-1-cleared",
    "Stage 1 completed and its nonconformities closed",
    "Stage 2 goes ahead once the stage 1 audit is completed with a decision to proceed and "
    "the nonconformities it raised are closed.",
    order=141,
)
def stage_1_cleared():
    stage_1 = (
        CertificationAudit.objects.filter(kind=CertificationAudit.Kind.STAGE_1, cycle=1)
        .exclude(status=CertificationAudit.Status.CANCELLED)
        .first()
    )
    if stage_1 is None:
        return [
            Failure(
                "Certification audits",
                reverse("audits:certaudit-list"),
                "No stage 1 audit is planned.",
            )
        ]
    failures = []
    if stage_1.status != CertificationAudit.Status.COMPLETED:
        failures.append(
            Failure(str(stage_1), stage_1.get_absolute_url(), "Stage 1 is not completed yet.")
        )
    elif stage_1.outcome != CertificationAudit.Outcome.PROCEED:
        failures.append(
            Failure(
                str(stage_1),
                stage_1.get_absolute_url(),
                "The stage 1 report does not clear the organisation for stage 2.",
            )
        )
    open_ncs = Finding.objects.filter(
        certification_audit=stage_1,
        kind__in=Finding.NONCONFORMITIES,
        status=Finding.Status.OPEN,
    ).order_by("reference")
    url = detail_url("audits:finding-detail")
    failures += [
        Failure(str(f), url(f.pk), "A stage 1 nonconformity is still open.") for f in open_ncs
    ]
    return failures


STAGE_1_CHECKS = (
    "inventory-machine-readable",
    "owner-and-contact",
    "clause-requirements-owned",
    "documented-information-design",
    "certification-planned",
)

milestone(
    "stage-1",
    "Ready for stage 1",
    "The certification body's stage 1 audit reviews the design of the AIMS: its scope, "
    "policy, roles, risk and impact processes, SoA and objectives, and who owns each "
    "requirement.",
    checks=STAGE_1_CHECKS,
    order=10,
)
milestone(
    "stage-2",
    "Ready for stage 2",
    "Stage 2 tests that the AIMS runs as designed: every readiness check must pass, "
    "including a completed internal audit and a cleared stage 1.",
    checks=None,
    order=20,
)
