"""The certification cycle: certification bodies, their audits, the certificate, and the
findings their auditors raise.

Rules enforced here:
- cycle 1 is stage 1, stage 2, surveillance 1 and surveillance 2; every later cycle opens
  with a recertification, then two surveillances; each kind once per cycle (cancelled
  audits aside);
- dates in order: an audit ends on or after its start; each audit starts after the one it
  follows has ended (stage 2 after stage 1, surveillance 1 after stage 2 or the
  recertification, surveillance 2 after surveillance 1, a recertification after the
  previous cycle's surveillance 2), and the one before must exist; an audit that others
  follow cannot be moved past them;
- completing an audit needs the completion date (not before its start, not in the future)
  and an outcome that fits its kind; stage 2 completes only after stage 1 has; a completed
  or cancelled audit is frozen;
- a certificate follows a completed stage 2 or recertification that recommended
  certification, is issued on or after that audit's completion by the same body, and
  expires after it is issued;
- external auditors' findings enter the same findings and corrective-action flow as
  internal ones: a finding names its certification audit instead of a checklist line, and
  cannot be raised on a cancelled audit.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import User

from ..models import Certificate, CertificationAudit, CertificationBody, Finding
from ._common import AREA, next_reference

Kind = CertificationAudit.Kind
Status = CertificationAudit.Status
Outcome = CertificationAudit.Outcome

CYCLE_ONE = (Kind.STAGE_1, Kind.STAGE_2, Kind.SURVEILLANCE_1, Kind.SURVEILLANCE_2)
LATER_CYCLES = (Kind.RECERTIFICATION, Kind.SURVEILLANCE_1, Kind.SURVEILLANCE_2)
STAGE_OUTCOMES = (Outcome.PROCEED, Outcome.NOT_READY)
GRANTING = (Kind.STAGE_2, Kind.RECERTIFICATION)
RECOMMENDING = (Outcome.RECOMMENDED, Outcome.CONDITIONAL)
MAX_CYCLE = 50  # three years each

# --- certification bodies ---------------------------------------------------------------------


def certification_body_create(*, actor: User, data: dict) -> CertificationBody:
    return records.record_create(CertificationBody, actor=actor, data=data)


def certification_body_update(
    body: CertificationBody,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> CertificationBody:
    return records.record_update(
        body, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def certification_body_retire(
    body: CertificationBody, *, actor: User, reason: str
) -> CertificationBody:
    if body.audits.filter(status=Status.PLANNED).exists():
        raise ValidationError(
            f"{body} has planned audits: cancel them or move them to another body first."
        )
    return records.record_retire(body, actor=actor, reason=reason)


# --- certification audits ---------------------------------------------------------------------


def _sequence(cycle: int) -> tuple[str, ...]:
    return CYCLE_ONE if cycle == 1 else LATER_CYCLES


def _predecessor(kind: str, cycle: int) -> tuple[str, int] | None:
    """(kind, cycle) of the audit this one follows, or None for stage 1."""
    sequence = _sequence(cycle)
    position = sequence.index(kind)
    if position > 0:
        return sequence[position - 1], cycle
    if kind == Kind.RECERTIFICATION:
        return Kind.SURVEILLANCE_2, cycle - 1
    return None


def _successor(kind: str, cycle: int) -> tuple[str, int]:
    sequence = _sequence(cycle)
    position = sequence.index(kind)
    if position + 1 < len(sequence):
        return sequence[position + 1], cycle
    return Kind.RECERTIFICATION, cycle + 1


def _active(kind: str, cycle: int, exclude_pk: int | None = None) -> CertificationAudit | None:
    found = CertificationAudit.objects.filter(kind=kind, cycle=cycle).exclude(
        status=Status.CANCELLED
    )
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return found.order_by("pk").first()


def _label(kind: str) -> str:
    return Kind(kind).label.split(" (")[0].split(",")[0].lower()


def check_certification_audit(values: dict[str, Any], pk: int | None = None) -> dict[str, str]:
    """Problems with a certification audit as it would be saved (field -> value dict), as a
    field -> message dict."""
    errors = {}
    kind, cycle = values.get("kind"), values.get("cycle") or 1
    start, end = values.get("planned_start"), values.get("planned_end")
    if not 1 <= cycle <= MAX_CYCLE:
        return {"cycle": f"Cycles are numbered from 1 to {MAX_CYCLE}."}
    if kind not in _sequence(cycle):
        errors["kind"] = (
            "The first cycle runs stage 1, stage 2 and two surveillance audits."
            if cycle == 1
            else f"Cycle {cycle} opens with a recertification audit, then two surveillances."
        )
        return errors
    if start and end and end < start:
        errors["planned_end"] = "The audit cannot end before it starts."
    if _active(kind, cycle, exclude_pk=pk):
        errors["kind"] = f"Cycle {cycle} already has a {_label(kind)} audit."
    before = _predecessor(kind, cycle)
    if before:
        previous = _active(*before)
        if previous is None:
            errors["kind"] = (
                f"Plan the {_label(before[0])} audit"
                + (f" of cycle {before[1]}" if before[1] != cycle else "")
                + f" first: a {_label(kind)} audit follows it."
            )
        elif start:
            previous_end = previous.completed_on or previous.planned_end
            if start <= previous_end:
                errors["planned_start"] = (
                    f"A {_label(kind)} audit starts after the {_label(previous.kind)} audit "
                    f"{previous.reference} ends ({previous_end:%d %b %Y})."
                )
    after = _successor(kind, cycle)
    following = _active(*after) if pk else None
    if following is not None and end and end >= following.planned_start:
        errors["planned_end"] = (
            f"The {_label(following.kind)} audit {following.reference} starts on "
            f"{following.planned_start:%d %b %Y}: this audit must end before it."
        )
    status = values.get("status") or Status.PLANNED
    if status == Status.COMPLETED:
        errors.update(_check_completion(values, kind, cycle))
    elif values.get("outcome") or values.get("completed_on"):
        errors["status"] = "An outcome and completion date belong to a completed audit."
    return errors


def _check_completion(values: dict[str, Any], kind: str, cycle: int) -> dict[str, str]:
    errors = {}
    done, outcome, start = (
        values.get("completed_on"),
        values.get("outcome"),
        values.get("planned_start"),
    )
    if not done:
        errors["completed_on"] = "Give the date the audit was completed."
    elif done > timezone.localdate():
        errors["completed_on"] = "An audit cannot be completed in the future."
    elif start and done < start:
        errors["completed_on"] = "The audit cannot be completed before it started."
    fits = STAGE_OUTCOMES if kind == Kind.STAGE_1 else tuple(set(Outcome) - set(STAGE_OUTCOMES))
    if outcome not in fits:
        errors["outcome"] = "Choose the outcome the body's report gives: " + ", ".join(
            f"“{Outcome(o).label}”" for o in fits
        )
    if kind == Kind.STAGE_2:
        stage_1 = _active(Kind.STAGE_1, cycle)
        if stage_1 is None or stage_1.status != Status.COMPLETED:
            errors["status"] = "Stage 2 can be completed only after stage 1 is completed."
    return errors


FIELDS = (
    "body",
    "kind",
    "cycle",
    "planned_start",
    "planned_end",
    "status",
    "completed_on",
    "outcome",
)


@transaction.atomic
def certification_audit_create(*, actor: User, data: dict) -> CertificationAudit:
    data = {**data, "status": data.get("status") or Status.PLANNED}
    errors = check_certification_audit(data)
    if errors:
        raise ValidationError(errors)
    data["reference"] = next_reference(CertificationAudit, "CERT", width=2)
    return records.record_create(CertificationAudit, actor=actor, data=data)


@transaction.atomic
def certification_audit_update(
    audit: CertificationAudit,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> CertificationAudit:
    current = CertificationAudit.objects.select_for_update().get(pk=audit.pk)
    if current.status != Status.PLANNED:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}: its record is frozen."
        )
    values = {name: data.get(name, getattr(current, name)) for name in FIELDS}
    errors = check_certification_audit(values, pk=current.pk)
    if errors:
        raise ValidationError(errors)
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- certificates -----------------------------------------------------------------------------


def check_certificate(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    granted_by, issued, expires = (
        values.get("granted_by"),
        values.get("issued_on"),
        values.get("expires_on"),
    )
    if granted_by is not None:
        if granted_by.kind not in GRANTING:
            errors["granted_by"] = "A certificate follows a stage 2 or recertification audit."
        elif granted_by.status != Status.COMPLETED or granted_by.outcome not in RECOMMENDING:
            errors["granted_by"] = (
                f"{granted_by.reference} has not been completed with a recommendation to certify."
            )
        elif issued and granted_by.completed_on and issued < granted_by.completed_on:
            errors["issued_on"] = (
                f"The certificate cannot be issued before {granted_by.reference} was completed "
                f"({granted_by.completed_on:%d %b %Y})."
            )
    if issued and expires and expires <= issued:
        errors["expires_on"] = "The certificate must expire after it is issued."
    return errors


def certificate_create(*, actor: User, data: dict) -> Certificate:
    data = dict(data)
    errors = check_certificate(data)
    if errors:
        raise ValidationError(errors)
    if data.get("granted_by") is not None:
        data["body"] = data["granted_by"].body
    return records.record_create(Certificate, actor=actor, data=data)


def certificate_update(
    certificate: Certificate,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Certificate:
    current = Certificate.objects.select_related("granted_by").get(pk=certificate.pk)
    values = {
        name: data.get(name, getattr(current, name))
        for name in ("granted_by", "issued_on", "expires_on")
    }
    errors = check_certificate(values)
    if errors:
        raise ValidationError(errors)
    data = dict(data)
    if data.get("granted_by") is not None:
        data["body"] = data["granted_by"].body
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- the certification body's findings --------------------------------------------------------


@transaction.atomic
def certification_finding_raise(*, actor: User, data: dict) -> Finding:
    """Record a finding from the body's report; it then follows the findings workflow."""
    roles.require(actor, "create", AREA)
    data = dict(data)
    audit = data.get("certification_audit")
    if audit is None:
        raise ValidationError({"certification_audit": "Choose the certification audit."})
    audit = CertificationAudit.objects.select_for_update().get(pk=audit.pk)
    if audit.status == Status.CANCELLED:
        raise ValidationError(
            {"certification_audit": f"{audit.reference} was cancelled: it raised no findings."}
        )
    # Internal audits' links do not apply to the body's findings.
    data.pop("checklist_line", None)
    data.pop("audit", None)
    requirement, control = data.pop("requirement", None), data.pop("control", None)
    criterion = requirement or control
    if criterion is None:
        raise ValidationError(
            {"requirement": "Name the requirement or control the finding is against."}
        )
    if requirement is not None and control is not None:
        raise ValidationError({"control": "Name one criterion: a requirement or a control."})
    data.update(
        certification_audit=audit,
        requirement_ref=f"{criterion.ref} {criterion.title}",
        raised_by=actor,
        reference=next_reference(Finding, "F"),
    )
    return records.record_create(Finding, actor=actor, data=data, reason="Raised")
