"""Registry write operations: suppliers, AI systems, lineage, incidents and policies.

Rules enforced here (on top of aims_portal.services: roles, optimistic locking, history):
- a review date cannot come before the last review;
- a retired supplier cannot be edited or newly linked to an AI system;
- an AI system's lifecycle stage is never set through create, edit or import: it starts as
  "proposed" and moves only when a lifecycle change request is approved (changes.py);
- data sources, model versions and incidents belong to an active (not retired) system, and
  a system owner may add them only to systems they own;
- a new model version closes the system's previous open version at its start time;
- incidents move open → contained → resolved → closed only through their workflow, and need
  the containment, the investigation and the postmortem written before each step; a closed
  incident cannot be edited;
- only administrators and governance leads create, change or retire registry policies;
- a Rego policy must be Rego v1, compile, and run within the time budget
  (REGISTRY_POLICY_TIME_BUDGET_MS) on the example documents before it is saved.
Lifecycle changes live in changes.py and YAML import in imports.py, re-exported here.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import User

from .. import policy
from ..models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)
from ..workflows import incident_workflow


def _check_review_dates(data: dict) -> None:
    last, upcoming = data.get("last_reviewed"), data.get("next_review")
    if last and upcoming and upcoming < last:
        raise ValidationError({"next_review": "The next review cannot be before the last one."})


def supplier_create(*, actor: User, data: dict) -> Supplier:
    _check_review_dates(data)
    return records.record_create(Supplier, actor=actor, data=data)


def supplier_update(
    supplier: Supplier, *, actor: User, data: dict, expected_version: int | str | None, reason: str
) -> Supplier:
    if supplier.is_retired:
        raise ValidationError(f"{supplier} is retired and can no longer be edited.")
    _check_review_dates(data)
    return records.record_update(
        supplier, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def supplier_retire(supplier: Supplier, *, actor: User, reason: str) -> Supplier:
    return records.record_retire(supplier, actor=actor, reason=reason)


def _check_system_data(data: dict, current: AISystem | None = None) -> None:
    if "stage" in data:
        raise ValidationError(
            {"stage": "The lifecycle stage changes only through a lifecycle change request."}
        )
    supplier = data.get("supplier")
    unchanged = current is not None and supplier == current.supplier
    if supplier is not None and supplier.is_retired and not unchanged:
        raise ValidationError({"supplier": f"{supplier} is retired; choose an active supplier."})
    _check_review_dates(data)


def ai_system_create(*, actor: User, data: dict, reason: str = "Created") -> AISystem:
    _check_system_data(data)
    return records.record_create(AISystem, actor=actor, data=data, reason=reason)


def ai_system_update(
    system: AISystem, *, actor: User, data: dict, expected_version: int | str | None, reason: str
) -> AISystem:
    # Compare with the stored record: the caller's instance may already hold the new values.
    _check_system_data(data, current=AISystem.objects.get(pk=system.pk))
    return records.record_update(
        system, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def system_write(
    system: AISystem, *, actor: User | None, reason: str, **fields: object
) -> AISystem:
    """Internal: set fields on a system as part of an approved step (history kept)."""
    current = AISystem.objects.select_for_update().get(pk=system.pk)
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    return records.tracked_save(current, actor, reason)


# --- records that belong to a system ------------------------------------------------------


def _check_system_link(actor: User, system: AISystem | None) -> None:
    if system is None:
        return
    if system.stage == AISystem.Stage.RETIRED:
        raise ValidationError({"system": f"{system} is retired; nothing new can be added to it."})
    if not roles.can(actor, "change", "inventory", system) and not roles.can(
        actor, "approve", "inventory"
    ):
        raise PermissionDenied(f"Only the owner of {system} or a governance lead can add to it.")


def data_source_create(*, actor: User, data: dict) -> DataSource:
    _check_system_link(actor, data.get("system"))
    last = DataSource.objects.filter(system=data["system"], kind=data.get("kind")).aggregate(
        n=Max("position")
    )["n"]
    return records.record_create(
        DataSource, actor=actor, data={**data, "position": 0 if last is None else last + 1}
    )


def data_source_update(
    source: DataSource, *, actor: User, data: dict, expected_version: int | str | None, reason: str
) -> DataSource:
    if source.retired_at:
        raise ValidationError(f"{source} is retired and can no longer be edited.")
    if "system" in data and data["system"] != source.system:
        _check_system_link(actor, data["system"])
    return records.record_update(
        source, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def data_source_retire(source: DataSource, *, actor: User, reason: str) -> DataSource:
    return records.record_retire(source, actor=actor, reason=reason)


def model_version_create(*, actor: User, data: dict) -> ModelVersion:
    roles.require(actor, "create", ModelVersion.area)
    _check_system_link(actor, data["system"])
    return record_model_version(actor=actor, data=data)


@transaction.atomic
def record_model_version(
    *, actor: User, data: dict, change: ChangeRequest | None = None, reason: str = "Created"
) -> ModelVersion:
    """Internal: record a model version (also on an approved change, by the approver);
    the system's open version ends when the new one starts."""
    system = data["system"]
    started = data.get("deployed_at") or timezone.now()
    until = data.get("superseded_at")
    if until and until < started:
        raise ValidationError({"superseded_at": "A version cannot end before it starts."})
    previous = ModelVersion.objects.select_for_update().filter(
        system=system, superseded_at__isnull=True, deployed_at__lte=started
    )
    for old in previous:
        old.superseded_at = started
        old.version += 1
        records.tracked_save(old, actor, f"Superseded by version {data['label']}")
    version = ModelVersion(
        **{**data, "deployed_at": started, "recorded_by": actor, "change": change}
    )
    return records.tracked_save(version, actor, reason)


def model_version_update(
    version: ModelVersion,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ModelVersion:
    started = data.get("deployed_at", version.deployed_at)
    until = data.get("superseded_at", version.superseded_at)
    if until and until < started:
        raise ValidationError({"superseded_at": "A version cannot end before it starts."})
    return records.record_update(
        version, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- incidents ----------------------------------------------------------------------------


def incident_create(*, actor: User, data: dict) -> Incident:
    _check_system_link(actor, data.get("system"))
    return records.record_create(Incident, actor=actor, data={**data, "reported_by": actor})


def incident_update(
    incident: Incident, *, actor: User, data: dict, expected_version: int | str | None, reason: str
) -> Incident:
    if incident.status == Incident.Status.CLOSED:
        raise ValidationError("A closed incident cannot be edited; reopen it first.")
    return records.record_update(
        incident, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def incident_transition(
    incident: Incident,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    return incident_workflow.run(
        incident, name, actor=actor, reason=reason, expected_version=expected_version
    )


# --- policies -----------------------------------------------------------------------------


POLICY_MANAGERS = {roles.ADMIN, roles.GOVERNANCE_LEAD}


def _check_policy_manager(actor: User) -> None:
    # A policy applies to every system, so an owner could block everyone else's: only
    # administrators and governance leads manage them.
    if not POLICY_MANAGERS & roles.user_roles(actor):
        raise PermissionDenied("Only administrators and governance leads manage registry policies.")


def _check_rego(data: dict) -> None:
    if "rego" in data:
        problem = policy.check_rego(data.get("name") or "policy", data["rego"])
        if problem:
            raise ValidationError({"rego": f"The Rego module cannot be used: {problem}"})


def policy_create(*, actor: User, data: dict) -> RegistryPolicy:
    _check_policy_manager(actor)
    _check_rego(data)
    return records.record_create(RegistryPolicy, actor=actor, data=data)


def policy_update(
    record: RegistryPolicy,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> RegistryPolicy:
    _check_policy_manager(actor)
    _check_rego(data)
    return records.record_update(
        record, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def policy_retire(record: RegistryPolicy, *, actor: User, reason: str) -> RegistryPolicy:
    _check_policy_manager(actor)
    return records.record_retire(record, actor=actor, reason=reason)
