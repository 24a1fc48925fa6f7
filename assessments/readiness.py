"""Certification readiness: an approved, current impact assessment for every AI system."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aims_portal.readiness import Failure, check, detail_url
from registry.models import AISystem

from .models import ImpactAssessment


def valid_assessment():
    """An approved assessment in force for the outer system: not flagged for re-assessment
    and not past its review date. The dashboard's coverage figure uses the same rule."""
    today = timezone.localdate()
    return ImpactAssessment.objects.filter(
        system=OuterRef("pk"),
        status=ImpactAssessment.Status.APPROVED,
        needs_reassessment=False,
    ).filter(Q(next_review__isnull=True) | Q(next_review__gte=today))


def assessment_gaps():
    """{(pk, slug, name): problem} for every system that is not retired and lacks a valid
    assessment, by slug. Plain rows: thousands of systems may lack one."""
    today = timezone.localdate()
    failing = AISystem.objects.in_service().exclude(Exists(valid_assessment()))
    systems = list(failing.order_by("slug").values_list("pk", "slug", "name"))
    current = (
        ImpactAssessment.objects.filter(system__in=failing.values("pk"))
        .exclude(status=ImpactAssessment.Status.SUPERSEDED)
        .order_by("system_id", "-reference", "-revision")
        .values_list("system_id", "reference", "status", "next_review", "needs_reassessment")
    )
    by_system = {}
    for system_id, reference, status, next_review, flagged in current:
        by_system.setdefault(system_id, []).append((reference, status, next_review, flagged))
    return {system: _problem(by_system.get(system[0], []), today) for system in systems}


def _problem(assessments, today):
    if not assessments:
        return "no impact assessment"
    approved = [a for a in assessments if a[1] == ImpactAssessment.Status.APPROVED]
    if not approved:
        reference, status, _, _ = assessments[0]
        return f"{reference} is {ImpactAssessment.Status(status).label.lower()}, not approved"
    for _reference, _, next_review, flagged in approved:
        if flagged:
            continue
        if next_review and next_review < today:
            continue
        return ""
    reference, _, next_review, flagged = approved[0]
    if flagged:
        return f"{reference} is flagged for re-assessment"
    return f"{reference} was due for review on {next_review:%d %b %Y}"


@check(
    "impact-assessment-per-system",
    "Impact assessment for every system",
    "Every AI system that is not retired has an approved impact assessment that is neither "
    "flagged for re-assessment nor past its review date.",
    order=30,
)
def impact_assessment_per_system():
    url = detail_url("registry:aisystem-detail")
    return [
        Failure(f"{name} ({slug})", url(pk), problem)
        for (pk, slug, name), problem in assessment_gaps().items()
    ]
