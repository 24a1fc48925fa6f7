"""Lifecycle change requests (services): the only path by which an AI system changes stage.

Rules enforced here:
- a change request names a stage different from the current one (stage change) or the new
  base model, embedding model, tool or data source (material change), and a reason;
- only the system's owner, a governance lead or an administrator can request a change;
- the check (registry policies on the system *as it would be after the change*, and the
  go-live gate's rules on portal records, see golive.py) is computed and stored on the
  request when it is made, again in place on a re-check, and again at approval;
- four-eyes: the requester can neither approve nor reject their own request; approving
  needs the matrix's "approve" grant (executive/approver, admin), and the approver's role is
  recorded on the request;
- a change can be approved only while the system is still in the stage it was requested
  from and only while its check passes (a retirement is checked for stage order only);
  regression-evaluation evidence must be attached for production and every material change;
  when the impact assessment must be updated, the updated assessment's ID must be given;
- approving applies the change in the same transaction: the stage moves through the
  system's stage workflow, whose guard accepts only an approved, passed, unapplied change,
  and a material change records a new model version (lineage).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import User

from .. import golive
from ..models import AISystem, ChangeRequest
from ..workflows import change_workflow, stage_workflow
from .inventory import record_model_version, system_write

PRODUCTION = AISystem.Stage.PRODUCTION


def _check_request(actor: User, system: AISystem, data: dict[str, Any]) -> None:
    if not (
        roles.can(actor, "change", "inventory", system) and roles.can(actor, "create", "inventory")
    ):
        raise PermissionDenied("Only the system's owner or a governance lead can request a change.")
    kind = data.get("kind")
    if kind == ChangeRequest.Kind.STAGE:
        target = data.get("target_stage")
        if not target:
            raise ValidationError({"target_stage": "Choose the stage the system should move to."})
        if target == system.stage:
            raise ValidationError({"target_stage": f"{system} is already {target}."})
        data["new_value"] = ""
    elif kind:
        if not (data.get("new_value") or "").strip():
            raise ValidationError({"new_value": "Name the new model, tool or data source."})
        data["target_stage"] = ""
    if system.stage == AISystem.Stage.RETIRED and kind != ChangeRequest.Kind.STAGE:
        raise ValidationError({"system": f"{system} is retired."})


@transaction.atomic
def change_request_create(
    *, actor: User, data: dict, policies: list | None = None
) -> ChangeRequest:
    """Record a change request with the check's result at this moment (``policies``: the
    rules in force, when the caller has them already)."""
    data = dict(data)
    system = AISystem.objects.select_related("owner", "owner_team", "supplier").get(
        pk=data["system"].pk
    )
    _check_request(actor, system, data)
    data.update(system=system, from_stage=system.stage, requested_by=actor)
    draft = ChangeRequest(**{k: v for k, v in data.items() if k != "system"}, system=system)
    data.update(golive.check_fields(golive.check_change(draft, policies)))
    return records.record_create(ChangeRequest, actor=actor, data=data, reason="Requested")


def change_request_update(
    change: ChangeRequest,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ChangeRequest:
    """Evidence and the impact-assessment link can be added while the request waits."""
    if change.status != ChangeRequest.Status.SUBMITTED:
        raise ValidationError("Only a change awaiting approval can be edited.")
    allowed = {
        "reason",
        "regression_evidence",
        "impact_assessment_update",
        "updated_impact_assessment_ref",
    }
    data = {k: v for k, v in data.items() if k in allowed}
    return records.record_update(
        change, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def _approver_role(actor: User) -> str:
    held = [r for r in roles.role_names() if r in roles.user_roles(actor)]
    granted = [r for r in held if roles.matrix().grant(r, "inventory", "approve")]
    return roles.role_label((granted or held or [roles.ADMIN])[0])


def _apply(change: ChangeRequest, actor: User) -> None:
    reason = f"CR-{change.pk} approved by {actor}: {change.get_kind_display().lower()}"
    system = change.system
    if change.kind == ChangeRequest.Kind.STAGE:
        changes = {}
        if change.target_stage == AISystem.Stage.RETIRED and not system.decommission_date:
            changes["decommission_date"] = timezone.localdate()
        if change.impact_assessment_update:
            changes["impact_assessment_ref"] = change.updated_impact_assessment_ref
        stage_workflow.run(
            system, change.target_stage, actor=actor, reason=f"CR-{change.pk}", changes=changes
        )
    else:
        fields = {}
        if change.kind == ChangeRequest.Kind.BASE_MODEL:
            fields["base_model"] = change.new_value
        if change.impact_assessment_update:
            fields["impact_assessment_ref"] = change.updated_impact_assessment_ref
        if fields:
            system = system_write(system, actor=actor, reason=reason, **fields)
        record_model_version(
            actor=actor,
            data={
                "system": system,
                "label": f"CR-{change.pk}",
                "base_model": system.base_model,
                "provider": system.provider,
                "configuration": f"{change.get_kind_display()}: {change.new_value}",
            },
            change=change,
            reason=reason,
        )
    # A version, not a plain UPDATE: whether a change was applied gates the next stage move,
    # so the current-state check must be able to compare it with the history.
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    change.applied_at = timezone.now()
    records.tracked_save(change, actor, f"Applied: {reason}")


@transaction.atomic
def change_request_transition(
    change: ChangeRequest,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
) -> ChangeRequest:
    if name == "withdraw" and change.requested_by_id != actor.pk:
        raise PermissionDenied("Only the person who requested the change can withdraw it.")
    extra = {}
    if name in ("approve", "reject"):
        extra = {
            "decided_by": actor,
            "decided_role": _approver_role(actor),
            "decided_at": timezone.now(),
        }
    if name == "approve":
        # The guard has just found nothing wrong: the request carries the passing check.
        extra.update(golive.check_fields([]))
    change = change_workflow.run(
        change,
        name,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes=extra,
    )
    if name == "approve":
        _apply(change, actor)
        change.refresh_from_db()
    return change
