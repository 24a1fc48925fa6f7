"""The status workflows of impact assessments and risks, as data (aims_portal.workflow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aims_portal.workflow import Transition, Workflow

from .selectors import assessment_problems

if TYPE_CHECKING:
    from .models import ImpactAssessment, Risk


def _newer_revision_approved(assessment: ImpactAssessment) -> list[str]:
    from .models import ImpactAssessment

    newer = ImpactAssessment.objects.filter(
        reference=assessment.reference,
        revision__gt=assessment.revision,
        status=ImpactAssessment.Status.APPROVED,
    )
    return [] if newer.exists() else ["Only a newer approved revision supersedes this one."]


def _risk_acceptance_problems(risk: Risk) -> list[str]:
    problems = []
    if risk.treatment != risk.Treatment.ACCEPT and not risk.treatment_plan.strip():
        problems.append("Describe the treatment plan before asking for acceptance.")
    if not risk.review_date:
        problems.append("Set a review date: accepted risks are reviewed again.")
    return problems


assessment_workflow = Workflow(
    status_field="status",
    submitter_field="submitted_by",
    party_fields=("owner",),
    transitions=(
        Transition(
            "submit",
            ("draft", "returned"),
            "in_review",
            "Submit for review",
            guard=assessment_problems,
        ),
        Transition(
            "approve",
            ("in_review",),
            "approved",
            "Approve",
            action="approve",
            four_eyes=True,
            style="success",
        ),
        Transition(
            "return",
            ("in_review",),
            "returned",
            "Return for changes",
            action="approve",
            reason_required=True,
            style="outline-danger",
        ),
        Transition(
            "supersede",
            ("approved",),
            "superseded",
            "Mark superseded",
            action="approve",
            guard=_newer_revision_approved,
            style="outline-secondary",
        ),
    ),
)

risk_workflow = Workflow(
    status_field="status",
    # Four-eyes on acceptance: neither an owner of the risk nor whoever asked for the
    # acceptance (nor anyone who changed it) accepts it.
    submitter_field="owner",
    party_fields=("acceptance_requested_by",),
    transitions=(
        Transition(
            "request_acceptance",
            ("open",),
            "pending_acceptance",
            "Request acceptance",
            guard=_risk_acceptance_problems,
        ),
        Transition(
            "accept",
            ("pending_acceptance",),
            "accepted",
            "Accept risk",
            action="approve",
            four_eyes=True,
            style="success",
        ),
        Transition(
            "decline",
            ("pending_acceptance",),
            "open",
            "Decline acceptance",
            action="approve",
            reason_required=True,
            style="outline-danger",
        ),
        Transition(
            "close",
            ("open", "accepted"),
            "closed",
            "Close",
            reason_required=True,
            style="outline-secondary",
        ),
        Transition(
            "reopen",
            ("accepted", "closed"),
            "open",
            "Reopen",
            reason_required=True,
            style="outline-primary",
        ),
    ),
)
