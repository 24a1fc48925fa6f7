"""The status workflows of audits, findings, corrective actions and management reviews, as
data (aims_portal.workflow). Guards name everything that stops a step, all at once."""

from aims_portal.workflow import Transition, Workflow


def _audit_can_start(audit):
    from .selectors import independence_problems

    problems = []
    if not audit.checklist.exists():
        problems.append("Choose at least one clause requirement or control as audit criteria.")
    return problems + independence_problems(audit)


def _audit_can_complete(audit):
    from .models import ChecklistLine, Finding

    problems = []
    lines = list(audit.checklist.all())
    open_lines = [line.ref for line in lines if line.result == ChecklistLine.Result.NOT_ASSESSED]
    if open_lines:
        problems.append(
            f"{len(open_lines)} checklist line(s) not assessed yet: {', '.join(open_lines[:8])}"
            + ("…" if len(open_lines) > 8 else ".")
        )
    nc_lines = {line.pk: line.ref for line in lines if line.result == "nonconformity"}
    covered = set(
        Finding.objects.filter(
            checklist_line_id__in=nc_lines, kind__in=Finding.NONCONFORMITIES
        ).values_list("checklist_line_id", flat=True)
    )
    missing = [ref for pk, ref in nc_lines.items() if pk not in covered]
    if missing:
        problems.append(
            f"Raise a nonconformity finding for each nonconforming line: {', '.join(missing)}."
        )
    if not audit.conclusion.strip():
        problems.append("Write the audit conclusion before completing the audit.")
    return problems


def _finding_can_close(finding):
    if not finding.is_nonconformity:
        return []
    actions = list(finding.corrective_actions.all())
    if not actions:
        return ["A nonconformity is closed only after a corrective action has been taken."]
    unfinished = [a.reference for a in actions if a.status not in ("verified", "closed")]
    if unfinished:
        return [
            "Every corrective action must be verified effective first; still open: "
            + ", ".join(unfinished)
            + "."
        ]
    return []


def _action_can_be_implemented(action):
    problems = []
    if not action.action.strip():
        problems.append("Describe the corrective action.")
    if action.finding_id and not action.root_cause.strip():
        problems.append("Record the root cause: an action without one may treat only a symptom.")
    return problems


def _action_has_had_time_to_work(action):
    """Effectiveness is judged once the action has been at work for the configured days."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    days = settings.AIMS_EFFECTIVENESS_MIN_DAYS
    if not days or action.implemented_at is None:
        return []
    ready = action.implemented_at + timedelta(days=days)
    if timezone.now() >= ready:
        return []
    return [
        f"The action was implemented on {timezone.localtime(action.implemented_at):%d %b %Y}: "
        f"its effectiveness can be checked from {timezone.localtime(ready):%d %b %Y}, "
        f"{days} days later, once it has had time to work."
    ]


def _review_can_complete(review):
    problems = []
    if not review.decisions.strip():
        problems.append("Record the decisions of the review.")
    if not review.attendees.exists() and not review.other_attendees.strip():
        problems.append("Name who attended.")
    from django.utils import timezone

    if review.meeting_date > timezone.localdate():
        problems.append("The meeting date is in the future: complete the review after it met.")
    return problems


audit_workflow = Workflow(
    status_field="status",
    transitions=(
        Transition("start", ("planned",), "in_progress", "Start audit", guard=_audit_can_start),
        Transition(
            "complete",
            ("in_progress",),
            "completed",
            "Complete audit",
            guard=_audit_can_complete,
            style="success",
        ),
        Transition(
            "cancel",
            ("planned",),
            "cancelled",
            "Cancel audit",
            reason_required=True,
            style="outline-danger",
        ),
    ),
)

finding_workflow = Workflow(
    status_field="status",
    transitions=(
        Transition(
            "close", ("open",), "closed", "Close finding", guard=_finding_can_close, style="success"
        ),
        Transition(
            "reopen",
            ("closed",),
            "open",
            "Reopen finding",
            reason_required=True,
            style="outline-secondary",
        ),
    ),
)

# Four-eyes against the owner: whoever owns an action never checks its effectiveness.
action_workflow = Workflow(
    status_field="status",
    submitter_field="owner",
    transitions=(
        Transition("start", ("open",), "in_progress", "Start work"),
        Transition(
            "implement",
            ("in_progress",),
            "implemented",
            "Mark implemented",
            guard=_action_can_be_implemented,
        ),
        Transition(
            "verify",
            ("implemented",),
            "verified",
            "Verify effective",
            guard=_action_has_had_time_to_work,
            four_eyes=True,
            reason_required=True,
            style="success",
        ),
        Transition(
            "not_effective",
            ("implemented",),
            "in_progress",
            "Not effective: rework",
            guard=_action_has_had_time_to_work,
            four_eyes=True,
            reason_required=True,
            style="outline-danger",
        ),
        Transition("close", ("verified",), "closed", "Close action", style="outline-success"),
    ),
)

review_workflow = Workflow(
    status_field="status",
    transitions=(
        Transition(
            "complete",
            ("draft",),
            "completed",
            "Complete and freeze figures",
            guard=_review_can_complete,
            style="success",
        ),
    ),
)
