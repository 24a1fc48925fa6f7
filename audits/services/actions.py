"""Corrective actions and management reviews."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aims_portal import services as records
from aims_portal.models import User

from .. import selectors
from ..models import CorrectiveAction, Finding, ManagementReview
from ..workflows import action_workflow, review_workflow
from ._common import merged, next_reference

# --- corrective actions -----------------------------------------------------------------------


def _check_action(data: dict, current: CorrectiveAction | None = None) -> None:
    finding = merged(data, current, "finding")
    review = merged(data, current, "review")
    if bool(finding) == bool(review):
        raise ValidationError(
            {"finding": "An action answers either one finding or one management review."}
        )
    if current is None and finding is not None and finding.status != Finding.Status.OPEN:
        raise ValidationError({"finding": f"{finding.reference} is closed: reopen it first."})
    due = data.get("due_date")
    if due and (current is None or due != current.due_date) and due < timezone.localdate():
        raise ValidationError({"due_date": "The due date is in the past."})


@transaction.atomic
def corrective_action_create(*, actor: User, data: dict) -> CorrectiveAction:
    data = dict(data)
    _check_action(data)
    data["reference"] = next_reference(CorrectiveAction, "CA")
    return records.record_create(CorrectiveAction, actor=actor, data=data)


def corrective_action_update(
    action: CorrectiveAction,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> CorrectiveAction:
    current = CorrectiveAction.objects.get(pk=action.pk)
    if current.status not in CorrectiveAction.OPEN_STATUSES:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}: its plan is frozen."
        )
    data = {k: v for k, v in data.items() if k not in ("finding", "review")}
    _check_action(data, current)
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def corrective_action_transition(
    action: CorrectiveAction,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> CorrectiveAction:
    """One step of the action's workflow; ``verify`` and ``not_effective`` are the
    effectiveness check, with ``reason`` saying what was checked and what it showed."""
    now = timezone.now()
    changes = {}
    if name in ("verify", "not_effective"):
        result = CorrectiveAction.Effectiveness
        changes = {
            "effectiveness_checked_by": actor,
            "effectiveness_checked_at": now,
            "effectiveness_result": result.EFFECTIVE if name == "verify" else result.NOT_EFFECTIVE,
            "effectiveness_notes": (reason or "").strip(),
        }
    elif name == "implement":
        changes = {"implemented_at": now}
    elif name == "close":
        changes = {"closed_at": now}
    return action_workflow.run(
        action, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )


def corrective_action_verify(
    action: CorrectiveAction,
    *,
    actor: User,
    effective: bool,
    notes: str,
    expected_version: int | str | None = None,
) -> CorrectiveAction:
    """Record the effectiveness check: effective moves the action on, not effective sends it
    back to work."""
    return corrective_action_transition(
        action,
        "verify" if effective else "not_effective",
        actor=actor,
        reason=notes,
        expected_version=expected_version,
    )


# --- management reviews -----------------------------------------------------------------------


@transaction.atomic
def review_create(*, actor: User, data: dict) -> ManagementReview:
    data = dict(data)
    data["reference"] = next_reference(ManagementReview, "MR", width=2)
    return records.record_create(ManagementReview, actor=actor, data=data)


def review_update(
    review: ManagementReview,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ManagementReview:
    current = ManagementReview.objects.get(pk=review.pk)
    if current.is_completed:
        raise ValidationError(f"{current} is completed: its minutes and figures are frozen.")
    data = dict(data)
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


@transaction.atomic
def review_transition(
    review: ManagementReview,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> ManagementReview:
    changes = {}
    if name == "complete":
        changes = {
            "completed_by": actor,
            "completed_at": timezone.now(),
            "figures": selectors.review_figures(review),
        }
    return review_workflow.run(
        review, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )


def review_complete(
    review: ManagementReview,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> ManagementReview:
    return review_transition(
        review, "complete", actor=actor, reason=reason, expected_version=expected_version
    )
