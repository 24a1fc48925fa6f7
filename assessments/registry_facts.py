"""What the assessments app tells the registry about a system (``input.portal`` for registry
policies, and the go-live gate's impact-assessment rule): the assessment the system names
and the system's open risks."""

import re

from registry.golive import facts_provider

from .models import ImpactAssessment, Risk

# "IA-2026-014" names the assessment; "IA-2026-014 rev. 2" one revision of it.
NAMED = re.compile(r"^\s*(?P<reference>\S+?)(?:\s+rev\.?\s*(?P<revision>\d{1,4}))?\s*$")


@facts_provider("assessment")
def named_assessment(system, doc):
    """The assessment named in ``governance.impact_assessment_id``: the revision it names,
    else its highest approved revision, else its highest revision."""
    named = (doc.get("governance") or {}).get("impact_assessment_id")
    if not named:
        return None
    match = NAMED.match(str(named))
    if not match:
        return {"id": named, "found": False}
    revisions = ImpactAssessment.objects.filter(reference=match["reference"])
    if match["revision"]:
        revisions = revisions.filter(revision=int(match["revision"]))
    revisions = list(revisions.select_related("system", "approver").order_by("-revision"))
    reference = named
    if not revisions:
        return {"id": reference, "found": False}
    approved = [a for a in revisions if a.status == ImpactAssessment.Status.APPROVED]
    chosen = (approved or revisions)[0]
    return {
        "id": reference,
        "found": True,
        "reference": chosen.reference,
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
