"""The status workflows of the registry, as data (aims_portal.workflow): incidents, lifecycle
change requests and the AI system's stage (moved only by an approved change request)."""

from aims_portal.workflow import Transition, Workflow

from . import golive
from .models import AISystem, ChangeRequest

PRODUCTION = AISystem.Stage.PRODUCTION


def approval_problems(change):
    problems = []
    system = change.system
    if system.stage != change.from_stage:
        problems.append(
            f"{system} is now {system.get_stage_display().lower()}, not "
            f"{change.get_from_stage_display().lower()} as when this change was requested: "
            "raise a new request."
        )
        return problems
    production = golive.resulting_stage(change) == PRODUCTION
    problems += [f"{p.rule}: {p.message}" for p in golive.check_change(change)]
    if problems:
        problems.append(
            "The check fails: fix the records above, then re-check this request; it cannot "
            "be approved while the check fails."
        )
    if (production or change.kind != ChangeRequest.Kind.STAGE) and not (
        change.regression_evidence.strip()
    ):
        problems.append("Attach the regression-evaluation evidence before approving.")
    if change.impact_assessment_update and not change.updated_impact_assessment_ref.strip():
        problems.append("Give the ID of the updated impact assessment before approving.")
    return problems


change_workflow = Workflow(
    status_field="status",
    submitter_field="requested_by",
    # Re-running the check and an approver's override review the request (golive.py).
    review_reasons=("Checked again:", "Stage skip allowed:"),
    transitions=(
        Transition(
            "approve",
            ("submitted",),
            "approved",
            "Approve change",
            action="approve",
            four_eyes=True,
            guard=approval_problems,
            style="success",
        ),
        Transition(
            "reject",
            ("submitted",),
            "rejected",
            "Reject change",
            action="approve",
            four_eyes=True,
            reason_required=True,
            style="outline-danger",
        ),
        Transition(
            "withdraw",
            ("submitted",),
            "withdrawn",
            "Withdraw request",
            action="create",
            style="outline-secondary",
        ),
    ),
)


def _stage_guard(target):
    def guard(system):
        ready = ChangeRequest.objects.filter(
            system=system,
            kind=ChangeRequest.Kind.STAGE,
            target_stage=target,
            status=ChangeRequest.Status.APPROVED,
            applied_at__isnull=True,
        )
        if target == PRODUCTION:
            ready = ready.filter(policy_passed=True)
        if not ready.exists():
            return [f"Moving to {target} needs an approved lifecycle change request."]
        return []

    return guard


# The system's stage: every move needs an approved change request for that target.
stage_workflow = Workflow(
    status_field="stage",
    transitions=tuple(
        Transition(
            stage,
            tuple(s for s in AISystem.Stage.values if s != stage),
            stage,
            f"Move to {label.lower()}",
            action="approve",
            guard=_stage_guard(stage),
        )
        for stage, label in AISystem.Stage.choices
    ),
)


def _needs(field, label):
    def guard(incident):
        return [] if getattr(incident, field).strip() else [f"Describe the {label} first."]

    return guard


incident_workflow = Workflow(
    status_field="status",
    submitter_field="reported_by",
    transitions=(
        Transition(
            "contain",
            ("open",),
            "contained",
            "Mark contained",
            guard=_needs("containment", "containment"),
        ),
        Transition(
            "resolve",
            ("open", "contained"),
            "resolved",
            "Mark resolved",
            guard=_needs("investigation", "investigation and root cause"),
            style="success",
        ),
        Transition(
            "close",
            ("resolved",),
            "closed",
            "Close after postmortem",
            four_eyes=True,
            guard=_needs("postmortem", "postmortem"),
            style="success",
        ),
        Transition(
            "reopen",
            ("contained", "resolved", "closed"),
            "open",
            "Reopen",
            reason_required=True,
            style="outline-danger",
        ),
    ),
)
