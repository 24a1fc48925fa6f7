"""Certification readiness: an approved, current impact assessment for every AI system."""

from django.utils import timezone

from aims_portal.readiness import Failure, check
from registry.models import AISystem

from .models import ImpactAssessment


def assessment_gaps():
    """{system: problem} for every system that is not retired and lacks a valid assessment.

    Valid means approved, not superseded, not flagged for re-assessment and not past its
    next review date.
    """
    today = timezone.localdate()
    systems = AISystem.objects.exclude(stage=AISystem.Stage.RETIRED).order_by("slug")
    current = (
        ImpactAssessment.objects.filter(system__in=systems)
        .exclude(status=ImpactAssessment.Status.SUPERSEDED)
        .values_list("system_id", "reference", "status", "next_review", "needs_reassessment")
    )
    by_system = {}
    for system_id, reference, status, next_review, flagged in current:
        by_system.setdefault(system_id, []).append((reference, status, next_review, flagged))
    gaps = {}
    for system in systems.only("pk", "slug", "name"):
        gaps_of = _problem(by_system.get(system.pk, []), today)
        if gaps_of:
            gaps[system] = gaps_of
    return gaps


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
    return [
        Failure(f"{system.name} ({system.slug})", system.get_absolute_url(), problem)
        for system, problem in assessment_gaps().items()
    ]
