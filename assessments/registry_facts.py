"""What the assessments app tells the registry about a system (``input.portal`` for registry
policies, and the go-live gate's impact-assessment rule): the assessment the system names
and the system's open risks."""

from registry.golive import facts_provider

from .models import ImpactAssessment, Risk


@facts_provider("assessment")
def named_assessment(system, doc):
    """The revision in force of the assessment named in ``governance.impact_assessment_id``:
    its highest approved revision, else its highest revision."""
    reference = (doc.get("governance") or {}).get("impact_assessment_id")
    if not reference:
        return None
    revisions = list(
        ImpactAssessment.objects.filter(reference=reference)
        .select_related("system", "approver")
        .order_by("-revision")
    )
    if not revisions:
        return {"id": reference, "found": False}
    approved = [a for a in revisions if a.status == ImpactAssessment.Status.APPROVED]
    chosen = (approved or revisions)[0]
    return {
        "id": reference,
        "found": True,
        "revision": chosen.revision,
        "system": chosen.system.slug,
        "status": chosen.status,
        "status_label": chosen.get_status_display(),
        "needs_reassessment": chosen.needs_reassessment,
        "next_review": chosen.next_review.isoformat() if chosen.next_review else None,
        "approved_by": chosen.approver.username if chosen.approver_id else None,
        "approved_at": chosen.approved_at.isoformat() if chosen.approved_at else None,
    }


@facts_provider("open_risks")
def open_risks(system, doc):
    if system.pk is None:
        return []
    return [
        {
            "id": risk.reference,
            "title": risk.title,
            "status": risk.status,
            "inherent_score": risk.inherent_score,
            "residual_score": risk.residual_score,
        }
        for risk in Risk.objects.filter(systems=system)
        .exclude(status=Risk.Status.CLOSED)
        .order_by("reference")
    ]
