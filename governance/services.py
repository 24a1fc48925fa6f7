"""Write operations of the management-system registers.

Rules enforced here (on top of aims_portal.services: roles, own-only grants, optimistic
locking, history and the reason for every change):
- context issues, interested parties, objectives and competences are numbered from a locked
  counter (CTX-001, IP-001, OBJ-001, COMP-001);
- the AIMS scope statement changes only as a draft; it goes to review only with a system in
  scope and a stated interface with providers, an executive who took no part in it approves
  it (four-eyes), and approving records who and when; a system is never both in and out;
- the scope, the RACI and competences are kept by governance leads; a system owner may add
  RACI lines and competences only for AI systems they own;
- a RACI line covers either an AIMS process or an AI system, and each activity has at most
  one accountable person;
- a policy acknowledgement is made by the reader themselves, for the current version of an
  approved policy document, once per version; it cannot be changed afterwards;
- a measurement by hand is refused for an objective measured from portal data; someone who
  may record only their own records measures only objectives they own; computed measures
  are recorded at most once a day per objective;
- a training record's expiry follows its completion (filled from the competence's validity
  when left empty); an evidence file is stored with its SHA-256.
"""

import calendar
import hashlib
from datetime import date
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import TrackedModel, User
from aims_portal.uploads import upload_name_problem
from controls.models import ControlledDocument

from . import selectors
from .models import (
    AREA,
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Measurement,
    Metric,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)
from .workflows import SCOPE_WORKFLOW


def _numbered(model: type[TrackedModel], prefix: str, *, actor: User, data: dict) -> TrackedModel:
    roles.require(actor, "create", AREA)
    return records.record_create(
        model,
        actor=actor,
        data={**data, "reference": records.next_reference(model, prefix, yearly=False)},
    )


def _leads_only(actor: User, action: str, what: str) -> None:
    if roles.own_only(actor, action, AREA):
        raise PermissionDenied(f"Only governance leads keep {what}.")


# --- context (4.1, 4.2) -------------------------------------------------------------------


def issue_create(*, actor: User, data: dict) -> ContextIssue:
    return _numbered(ContextIssue, "CTX", actor=actor, data=data)


def issue_update(
    issue: ContextIssue,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ContextIssue:
    return records.record_update(
        issue, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def party_create(*, actor: User, data: dict) -> InterestedParty:
    return _numbered(InterestedParty, "IP", actor=actor, data=data)


def party_update(
    party: InterestedParty,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> InterestedParty:
    return records.record_update(
        party, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- scope (4.3) --------------------------------------------------------------------------


def _check_scope(data: dict, current: ScopeStatement | None = None) -> None:
    def ids(name: str) -> set[int]:
        if name in data:
            return {getattr(s, "pk", s) for s in data[name] or ()}
        return set(getattr(current, name).values_list("pk", flat=True)) if current else set()

    if ids("systems_in") & ids("systems_out"):
        raise ValidationError(
            {"systems_out": "An AI system cannot be both in scope and out of scope."}
        )


def scope_create(*, actor: User, data: dict) -> ScopeStatement:
    _leads_only(actor, "create", "the scope statement")
    _check_scope(data)
    data = {k: v for k, v in data.items() if k not in ("status", "approved_by", "approved_at")}
    return records.record_create(ScopeStatement, actor=actor, data=data)


def scope_update(
    scope: ScopeStatement,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ScopeStatement:
    _leads_only(actor, "change", "the scope statement")
    current = ScopeStatement.objects.get(pk=scope.pk)
    if current.status != ScopeStatement.Status.DRAFT:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}: start a new draft to change it."
        )
    _check_scope(data, current)
    return records.record_update(
        scope, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def scope_transition(
    scope: ScopeStatement,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> ScopeStatement:
    changes = {}
    if name == "submit":
        changes = {"submitted_by": actor}
    elif name == "approve":
        changes = {"approved_by": actor, "approved_at": timezone.now()}
    elif name == "revise":
        changes = {"approved_by": None, "approved_at": None, "submitted_by": None}
    return SCOPE_WORKFLOW.run(
        scope, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )


# --- leadership (5.2, 5.3) ----------------------------------------------------------------


@transaction.atomic
def policy_acknowledge(document: ControlledDocument, *, actor: User) -> PolicyAcknowledgement:
    """Record that ``actor`` read the current version of an approved policy document."""
    if not selectors.is_staff_member(actor):
        raise PermissionDenied("Only staff of the organisation acknowledge its AI policy.")
    if document.kind != "policy" or document.status != "approved":
        raise ValidationError(
            {"document": f"{document} is not an approved policy: there is nothing to acknowledge."}
        )
    if PolicyAcknowledgement.objects.filter(
        document=document, doc_version=document.doc_version, person=actor
    ).exists():
        raise ValidationError(
            {"document": f"You already acknowledged version {document.doc_version} of {document}."}
        )
    ack = PolicyAcknowledgement(document=document, doc_version=document.doc_version, person=actor)
    return records.tracked_save(ack, actor, f"Read version {document.doc_version}")


def acknowledgement_create(*, actor: User, data: dict) -> PolicyAcknowledgement:
    return policy_acknowledge(data["document"], actor=actor)


def acknowledgement_update(
    ack: PolicyAcknowledgement,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> NoReturn:
    raise ValidationError("An acknowledgement is a statement made once: it cannot be changed.")


def _check_raci(actor: User, data: dict, current: RaciAssignment | None = None) -> None:
    system = data.get("system", current.system if current else None)
    if roles.own_only(actor, "change" if current else "create", AREA) and system is None:
        raise PermissionDenied("Only governance leads keep the RACI of AIMS processes.")
    if data.get("role", current.role if current else None) != RaciAssignment.Role.ACCOUNTABLE:
        return
    process = data.get("process", current.process if current else "")
    activity = data.get("activity", current.activity if current else "")
    clash = RaciAssignment.objects.filter(
        role=RaciAssignment.Role.ACCOUNTABLE,
        process=process or "",
        system=system,
        activity__iexact=(activity or "").strip(),
    )
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if other := clash.select_related("person").first():
        raise ValidationError(
            {
                "role": f"{other.person} is already accountable for “{other.activity}”: one "
                "activity has one accountable person."
            }
        )


def raci_create(*, actor: User, data: dict) -> RaciAssignment:
    _check_raci(actor, data)
    return records.record_create(RaciAssignment, actor=actor, data=data)


def raci_update(
    line: RaciAssignment,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> RaciAssignment:
    _check_raci(actor, data, RaciAssignment.objects.select_related("system").get(pk=line.pk))
    return records.record_update(
        line, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- objectives and measurement (6.2, 9.1) ------------------------------------------------


def objective_create(*, actor: User, data: dict) -> Objective:
    return _numbered(Objective, "OBJ", actor=actor, data=data)


def objective_update(
    objective: Objective,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Objective:
    return records.record_update(
        objective, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def _check_measurement(actor: User, objective: Objective, source: str) -> None:
    if objective.metric != Metric.MANUAL and source != Measurement.Source.COMPUTED:
        raise ValidationError(
            {
                "objective": f"{objective.reference} is measured from portal data "
                f"({objective.get_metric_display()}); its readings are computed, not typed."
            }
        )
    if roles.own_only(actor, "create", AREA) and objective.owner_id != actor.pk:
        raise ValidationError(
            {
                "objective": f"You can record measurements only of objectives you own; "
                f"{objective.reference} is owned by {objective.owner}."
            }
        )


def measurement_create(
    *, actor: User, data: dict, source: str = Measurement.Source.MANUAL
) -> Measurement:
    roles.require(actor, "create", AREA)
    objective = data.get("objective")
    if objective is None:
        raise ValidationError({"objective": "Choose the objective this reading is for."})
    _check_measurement(actor, objective, source)
    data = {**data, "source": source, "recorded_by": actor}
    return records.record_create(Measurement, actor=actor, data=data)


def measurement_update(
    measurement: Measurement,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Measurement:
    current = Measurement.objects.select_related("objective").get(pk=measurement.pk)
    if current.source == Measurement.Source.COMPUTED:
        raise ValidationError(
            "A computed reading is what the portal's data said that day: it stays."
        )
    _check_measurement(actor, data.get("objective", current.objective), current.source)
    return records.record_update(
        measurement, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


@transaction.atomic
def measurements_compute(today: date | None = None) -> int:
    """Record today's reading of every objective measured from portal data (the beat task
    runs it daily); an objective already read today, or with nothing to count, is skipped.
    Returns how many readings were recorded."""
    today = today or timezone.localdate()
    done = set(
        Measurement.objects.filter(
            measured_on=today, source=Measurement.Source.COMPUTED
        ).values_list("objective_id", flat=True)
    )
    values = {}
    recorded = 0
    for objective in Objective.objects.exclude(metric=Metric.MANUAL).order_by("pk"):
        if objective.pk in done:
            continue
        if objective.metric not in values:
            values[objective.metric] = selectors.metric_value(objective.metric)
        value = values[objective.metric]
        if value is None:
            continue
        reading = Measurement(
            objective=objective,
            measured_on=today,
            value=value,
            source=Measurement.Source.COMPUTED,
            note=f"Computed: {objective.get_metric_display()}",
        )
        records.tracked_save(reading, None, "Computed from portal data")
        recorded += 1
    return recorded


# --- support (7.2 to 7.4) -----------------------------------------------------------------


def _check_competence(actor: User, data: dict, current: Competence | None = None) -> None:
    system = data.get("system", current.system if current else None)
    if roles.own_only(actor, "change" if current else "create", AREA) and system is None:
        raise PermissionDenied("Only governance leads set the competences roles require.")
    if not (data.get("role", current.role if current else "") or system):
        raise ValidationError(
            {"role": "Say which role or which AI system requires this competence."}
        )


def competence_create(*, actor: User, data: dict) -> Competence:
    _check_competence(actor, data)
    return _numbered(Competence, "COMP", actor=actor, data=data)


def competence_update(
    competence: Competence,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Competence:
    _check_competence(actor, data, Competence.objects.get(pk=competence.pk))
    return records.record_update(
        competence, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` later, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _training_data(data: dict, current: TrainingRecord | None = None) -> dict:
    competence = data.get("competence", current.competence if current else None)
    completed = data.get("completed_on", current.completed_on if current else None)
    expires = data.get("expires_on", current.expires_on if current else None)
    if expires is None and competence is not None and completed and competence.validity_months:
        try:
            data = {**data, "expires_on": add_months(completed, competence.validity_months)}
        except ValueError:  # past the last year a date can hold
            raise ValidationError(
                {"completed_on": "This completion date is too late to compute an expiry."}
            ) from None
    return data


def training_create(*, actor: User, data: dict) -> TrainingRecord:
    return records.record_create(TrainingRecord, actor=actor, data=_training_data(data))


def training_update(
    record: TrainingRecord,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> TrainingRecord:
    current = TrainingRecord.objects.select_related("competence").get(pk=record.pk)
    return records.record_update(
        record,
        actor=actor,
        data=_training_data(data, current),
        expected_version=expected_version,
        reason=reason,
    )


def training_attach_evidence(
    record: TrainingRecord,
    *,
    actor: User,
    upload: UploadedFile,
    expected_version: int | str | None,
    reason: str,
) -> TrainingRecord:
    """Store the evidence file of a training record, with its SHA-256 in the history."""
    if problem := upload_name_problem(upload.name):
        raise ValidationError({"evidence": problem})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return records.record_update(
        record,
        actor=actor,
        data={"evidence": upload, "evidence_sha256": digest.hexdigest()},
        expected_version=expected_version,
        reason=reason,
    )


def communication_create(*, actor: User, data: dict) -> Communication:
    return records.record_create(Communication, actor=actor, data=data)


def communication_update(
    item: Communication,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Communication:
    return records.record_update(
        item, actor=actor, data=data, expected_version=expected_version, reason=reason
    )
