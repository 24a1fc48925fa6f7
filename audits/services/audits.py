"""Audit programme, audits and their checklists, findings."""

from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import User
from controls.catalogue import sort_key

from .. import selectors
from ..models import Audit, AuditProgramme, ChecklistLine, Finding
from ..workflows import audit_workflow, finding_workflow
from ._common import AREA, merged, next_reference, tracked_save

# --- audit programme --------------------------------------------------------------------------


def programme_create(*, actor: User, data: dict) -> AuditProgramme:
    return records.record_create(AuditProgramme, actor=actor, data=data)


def programme_update(
    programme: AuditProgramme,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> AuditProgramme:
    year = data.get("year")
    if year is not None and year != programme.year:
        outside = programme.audits.exclude(planned_start__year=year)
        if outside.exists():
            raise ValidationError(
                {"year": "Audits of this programme are planned in another year; move them first."}
            )
    return records.record_update(
        programme, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- audits -----------------------------------------------------------------------------------


def _check_audit(data: dict, current: Audit | None = None) -> None:
    """Dates, criteria, team roles and independence of the audit as it would be saved."""
    values = {
        name: merged(data, current, name, many)
        for name, many in (
            ("programme", False),
            ("planned_start", False),
            ("planned_end", False),
            ("lead_auditor", False),
            ("auditors", True),
            ("systems", True),
            ("requirements", True),
            ("controls", True),
        )
    }
    errors = {}
    start, end, programme = values["planned_start"], values["planned_end"], values["programme"]
    if start and end and end < start:
        errors["planned_end"] = "The audit cannot end before it starts."
    if programme and start and start.year != programme.year:
        errors["planned_start"] = (
            f"The {programme.year} programme plans audits in {programme.year}."
        )
    if not values["requirements"] and not values["controls"]:
        errors["controls"] = "Choose at least one clause requirement or control to audit against."
    team = [values["lead_auditor"], *values["auditors"]]
    unable = [str(u) for u in team if u is not None and not roles.can(u, "change", AREA)]
    if unable:
        errors["auditors"] = (
            f"{', '.join(unable)}: their role cannot record audit results, so they cannot be "
            "on an audit team."
        )
    if errors:
        raise ValidationError(errors)
    conflicts = selectors.independence_conflicts(
        team,
        systems=values["systems"],
        controls=values["controls"],
        requirements=values["requirements"],
        programme=programme,
    )
    if conflicts:
        raise ValidationError({"auditors": selectors.conflict_messages(conflicts)})


def checklist_sync(audit: Audit, *, actor: User, reason: str) -> None:
    """Make the checklist one line per criterion: add new ones, drop unused ones."""
    wanted = {}
    for requirement in audit.requirements.all():
        wanted[requirement.ref] = ("requirement", requirement)
    for control in audit.controls.all():
        wanted[control.ref] = ("control", control)
    lines = {line.ref: line for line in selectors.checklist(audit)}
    blocked = [
        ref
        for ref, line in lines.items()
        if ref not in wanted
        and (
            line.result != ChecklistLine.Result.NOT_ASSESSED
            or line.findings_count
            or line.evidence_count
        )
    ]
    if blocked:
        raise ValidationError(
            {
                "controls": "These criteria already have results, findings or evidence and "
                f"stay in the audit: {', '.join(sorted(blocked))}."
            }
        )
    for ref, line in lines.items():
        if ref not in wanted:
            records.tracked_delete(line, actor, f"{ref} removed from the audit criteria")
    for ref, (kind, item) in wanted.items():
        if ref not in lines:
            tracked_save(
                ChecklistLine(
                    audit=audit,
                    ref=ref,
                    title=item.title,
                    sort_key=("0-" if kind == "requirement" else "1-") + sort_key(ref),
                    **{kind: item},
                ),
                actor,
                reason,
            )


@transaction.atomic
def audit_create(*, actor: User, data: dict) -> Audit:
    data = dict(data)
    _check_audit(data)
    data["reference"] = next_reference(Audit, "AUD", width=2)
    audit = records.record_create(Audit, actor=actor, data=data)
    checklist_sync(audit, actor=actor, reason="Checklist generated from the audit criteria")
    return audit


@transaction.atomic
def audit_update(
    audit: Audit,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Audit:
    current = Audit.objects.select_related("programme").get(pk=audit.pk)
    if not current.is_open:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}: its record is frozen."
        )
    data = dict(data)
    _check_audit(data, current)
    audit = records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )
    checklist_sync(audit, actor=actor, reason=f"Criteria changed: {reason}")
    return audit


def audit_transition(
    audit: Audit,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> Audit:
    changes = {}
    if name == "start":
        changes = {"started_at": timezone.localdate()}
    elif name == "complete":
        if not selectors.on_team(audit, actor):
            raise PermissionDenied("Only a member of the audit team can complete the audit.")
        changes = {"completed_at": timezone.localdate()}
    return audit_workflow.run(
        audit, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )


# --- checklist --------------------------------------------------------------------------------


def _require_team_in_progress(audit: Audit, actor: User, what: str) -> None:
    roles.require(actor, "change", AREA)
    if audit.status != Audit.Status.IN_PROGRESS:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: {what} only while the "
            "audit is in progress."
        )
    if not selectors.on_team(audit, actor):
        raise PermissionDenied(f"Only the audit team of {audit.reference} can {what}.")


def checklist_line_create(*, actor: User, data: dict) -> NoReturn:
    raise ValidationError("Checklist lines come from the audit criteria: change the audit instead.")


@transaction.atomic
def checklist_line_update(
    line: ChecklistLine,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ChecklistLine:
    current = ChecklistLine.objects.select_related("audit").get(pk=line.pk)
    _require_team_in_progress(current.audit, actor, "record checklist results")
    result = data.get("result", current.result)
    if result != ChecklistLine.Result.NONCONFORMITY:
        raised = current.findings.filter(kind__in=Finding.NONCONFORMITIES)
        if raised.exists():
            refs = ", ".join(raised.values_list("reference", flat=True))
            raise ValidationError(
                {
                    "result": f"Nonconformity findings were raised on this line ({refs}): it stays "
                    "a nonconformity."
                }
            )
    data = dict(data)
    if result != current.result:
        assessed = result != ChecklistLine.Result.NOT_ASSESSED
        data["assessed_by"] = actor if assessed else None
        data["assessed_at"] = timezone.now() if assessed else None
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


RESULTS_REASON = "Result recorded on the audit's checklist"


@transaction.atomic
def checklist_results_record(
    audit: Audit, *, actor: User, results: dict[ChecklistLine, dict[str, Any]]
) -> list[ChecklistLine]:
    """Results for many lines of one audit in one submit. ``results`` maps each line to
    ``{"result", "notes", "expected_version"}``; lines whose values did not change are left
    alone. Either every change is saved or none: a refusal on any line (named by its
    criterion) undoes the others."""
    _require_team_in_progress(audit, actor, "record checklist results")
    saved, refused = [], {}
    for line, values in results.items():
        if line.audit_id != audit.pk:
            raise ValidationError(f"{line.ref} is not a line of {audit}.")
        result, notes = values["result"], values.get("notes", line.notes)
        if result not in ChecklistLine.Result.values:
            refused[line.ref] = [f"“{result}” is not a result."]
            continue
        if result == line.result and notes == line.notes:
            continue
        try:
            saved.append(
                checklist_line_update(
                    line,
                    actor=actor,
                    data={"result": result, "notes": notes},
                    expected_version=values["expected_version"],
                    reason=RESULTS_REASON,
                )
            )
        except ValidationError as error:
            refused[line.ref] = error.messages
    if refused:
        raise ValidationError([f"{ref}: {' '.join(messages)}" for ref, messages in refused.items()])
    return saved


# --- findings ---------------------------------------------------------------------------------

KIND_NEEDS_RESULT = {
    Finding.Kind.MAJOR: ChecklistLine.Result.NONCONFORMITY,
    Finding.Kind.MINOR: ChecklistLine.Result.NONCONFORMITY,
    Finding.Kind.OBSERVATION: ChecklistLine.Result.OBSERVATION,
}


def _check_kind(kind: str | None, line: ChecklistLine) -> None:
    needed = KIND_NEEDS_RESULT.get(kind)
    if line.result == ChecklistLine.Result.NOT_ASSESSED:
        raise ValidationError({"checklist_line": f"Record a result for {line.ref} first."})
    if needed and line.result != needed:
        label = dict(Finding.Kind.choices)[kind]
        raise ValidationError(
            {
                "kind": f"A finding of type “{label}” needs the line's result to be "
                f"“{ChecklistLine.Result(needed).label}”; {line.ref} is "
                f"“{line.get_result_display()}”."
            }
        )


@transaction.atomic
def finding_raise(*, actor: User, data: dict) -> Finding:
    """Raise a finding from an internal audit's checklist line, or (with
    ``certification_audit``) record one from the certification body's report."""
    data = dict(data)
    if data.get("certification_audit") is not None:
        from .certification import certification_finding_raise

        return certification_finding_raise(actor=actor, data=data)
    data.pop("requirement", None)
    data.pop("control", None)
    line = data.get("checklist_line")
    if line is None:
        raise ValidationError({"checklist_line": "Choose the checklist line the finding is about."})
    line = ChecklistLine.objects.select_related("audit").select_for_update().get(pk=line.pk)
    _require_team_in_progress(line.audit, actor, "raise findings")
    _check_kind(data.get("kind"), line)
    data.update(
        checklist_line=line,
        audit=line.audit,
        requirement_ref=f"{line.ref} {line.title}",
        raised_by=actor,
        reference=next_reference(Finding, "F"),
    )
    return records.record_create(Finding, actor=actor, data=data, reason="Raised")


def finding_update(
    finding: Finding,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Finding:
    current = Finding.objects.select_related("checklist_line").get(pk=finding.pk)
    if current.status != Finding.Status.OPEN:
        raise ValidationError(f"{current} is closed: reopen it to change it.")
    # Where a finding comes from is fixed when it is raised.
    fixed = ("checklist_line", "certification_audit", "requirement", "control")
    data = {k: v for k, v in data.items() if k not in fixed}
    if "kind" in data and data["kind"] != current.kind and current.checklist_line_id:
        _check_kind(data["kind"], current.checklist_line)
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def finding_transition(
    finding: Finding,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> Finding:
    changes = {"closed_at": timezone.now() if name == "close" else None}
    return finding_workflow.run(
        finding,
        name,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes=changes,
    )
