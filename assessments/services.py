"""Write operations of impact assessments, the risk register and the scoring method.

Rules enforced here (on top of aims_portal.services: roles, optimistic locking, history):
- ratings (likelihood, impact, severity) lie between 1 and the scoring method's matrix size;
  the method's levels ascend and the last one reaches the top score; the matrix cannot
  shrink below a rating already in use;
- an assessment is edited only while draft or returned; an approved one is frozen and
  changing it starts a new revision (one open revision at a time); approving a revision
  supersedes the one it replaces;
- submitting needs every section filled in and at least one complete impact: the guard
  lists every problem at once;
- four-eyes (aims_portal.workflow, from the record's history): an assessment is approved by
  nobody who submitted, owned or changed it at any version; a risk is accepted by nobody who
  owned it, asked for the acceptance or changed it;
- a risk is edited only while open; its scores are stored as likelihood x impact;
- a change of purpose, affected parties or data sensitivity of an AI system flags its
  current assessments "needs re-assessment" (see signals.py); submitting clears the flag;
- an assessment's PDF or Word document is a background job (aims_portal.document_jobs:
  export grant, progress, refused at once when the broker is down, failed past its
  deadline); only a failed one is tried again.
"""

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aims_portal import document_jobs, roles
from aims_portal import services as records
from aims_portal.models import User
from aims_portal.services import next_reference, tracked_delete, tracked_save
from registry.models import AISystem

from .models import AssessmentExport, Impact, ImpactAssessment, Risk, ScoringMethod
from .selectors import open_revision, scoring_method
from .workflows import assessment_workflow, risk_workflow

# --- scoring method -------------------------------------------------------------------------


def _check_levels(data: dict) -> None:
    size = data["matrix_size"]
    levels = data["levels"]
    problems = []
    if not isinstance(levels, list) or not levels:
        raise ValidationError({"levels": "Give at least one level."})
    previous = 0
    for n, level in enumerate(levels, 1):
        if not isinstance(level, dict) or not str(level.get("label", "")).strip():
            problems.append(f"Level {n} needs a label.")
            continue
        top = level.get("max_score")
        if not isinstance(top, int) or top <= previous:
            problems.append(f"Level {n} ({level['label']}): upper bounds must ascend.")
        else:
            previous = top
    if previous != size * size:
        problems.append(f"The last level must end at the top score, {size * size}.")
    if problems:
        raise ValidationError({"levels": problems})


def _highest_rating_in_use() -> int:
    risks = Risk.objects.aggregate(
        a=Max("inherent_likelihood"),
        b=Max("inherent_impact"),
        c=Max("residual_likelihood"),
        d=Max("residual_impact"),
    )
    impacts = Impact.objects.aggregate(
        a=Max("likelihood"),
        b=Max("severity"),
        c=Max("residual_likelihood"),
        d=Max("residual_severity"),
    )
    return max([v for v in [*risks.values(), *impacts.values()] if v] or [0])


def scoring_method_update(
    method: ScoringMethod,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ScoringMethod:
    merged = {
        "matrix_size": data.get("matrix_size", method.matrix_size),
        "levels": data.get("levels", method.levels),
    }
    _check_levels(merged)
    in_use = _highest_rating_in_use()
    if merged["matrix_size"] < in_use:
        raise ValidationError(
            {"matrix_size": f"Ratings up to {in_use} are in use; the matrix cannot be smaller."}
        )
    return records.record_update(
        method, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def scoring_method_create(*, actor: User, data: dict) -> NoReturn:
    raise ValidationError("There is one scoring method; edit it instead.")


def _check_ratings(values: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    size = scoring_method().matrix_size
    problems = {}
    for name, value in values.items():
        if value is not None and not 1 <= int(value) <= size:
            problems[name] = f"{labels.get(name, name)} must be between 1 and {size}."
    return problems


# --- risks ----------------------------------------------------------------------------------

RISK_RATINGS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


def _prepare_risk(data: dict, current: Risk | None = None) -> dict:
    values = {name: data.get(name, getattr(current, name, None)) for name in RISK_RATINGS}
    problems = _check_ratings(values, {})
    if problems:
        raise ValidationError(problems)
    if values["inherent_likelihood"] and values["inherent_impact"]:
        data["inherent_score"] = values["inherent_likelihood"] * values["inherent_impact"]
    if values["residual_likelihood"] and values["residual_impact"]:
        data["residual_score"] = values["residual_likelihood"] * values["residual_impact"]
    return data


@transaction.atomic
def risk_create(*, actor: User, data: dict) -> Risk:
    # The reference first: the ledger lock that any history write takes must come after the
    # counter's (see next_reference).
    reference = next_reference(Risk, "RISK", yearly=False)
    data = _prepare_risk(dict(data))
    data["reference"] = reference
    return records.record_create(Risk, actor=actor, data=data)


def risk_update(
    risk: Risk, *, actor: User, data: dict, expected_version: int | str | None, reason: str
) -> Risk:
    current = Risk.objects.get(pk=risk.pk)
    if current.status != Risk.Status.OPEN:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}; reopen it to change it."
        )
    data = _prepare_risk(dict(data), current)
    return records.record_update(
        risk, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def risk_transition(
    risk: Risk,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> Risk:
    changes = {}
    if name == "request_acceptance":
        changes = {"acceptance_requested_by": actor}
    elif name == "accept":
        changes = {"accepted_by": actor, "accepted_at": timezone.now()}
    elif name in ("decline", "reopen"):
        changes = {"accepted_by": None, "accepted_at": None, "acceptance_requested_by": None}
    return risk_workflow.run(
        risk, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )


# --- impact assessments ---------------------------------------------------------------------

IMPACT_FIELDS = (
    "category",
    "direction",
    "description",
    "likelihood",
    "severity",
    "technical_mitigations",
    "procedural_mitigations",
    "residual_likelihood",
    "residual_severity",
)
IMPACT_RATING_LABELS = {
    "likelihood": "Likelihood",
    "severity": "Severity",
    "residual_likelihood": "Residual likelihood",
    "residual_severity": "Residual severity",
}


def _next_assessment_reference() -> str:
    return next_reference(ImpactAssessment, "IA")


def _save_impacts(
    assessment: ImpactAssessment, impacts: list[dict], *, actor: User | None, reason: str
) -> None:
    """Make the assessment's impacts those of ``impacts`` (dicts, with "id" for kept ones)."""
    existing = {impact.pk: impact for impact in assessment.impacts.all()}
    problems = []
    for n, item in enumerate(impacts, 1):
        ratings = {k: item.get(k) for k in IMPACT_RATING_LABELS}
        for message in _check_ratings(ratings, IMPACT_RATING_LABELS).values():
            problems.append(f"Impact {n}: {message}")
    if problems:
        raise ValidationError(problems)
    kept = set()
    for position, item in enumerate(impacts):
        impact = existing.get(item.get("id")) or Impact(assessment=assessment)
        changed = impact.pk is None or impact.position != position
        for name in IMPACT_FIELDS:
            value = item.get(name, "" if name not in IMPACT_RATING_LABELS else None)
            if name == "direction" and not value:
                value = Impact.Direction.NEGATIVE
            if getattr(impact, name) != value:
                setattr(impact, name, value)
                changed = True
        impact.position = position
        if changed:
            if impact.pk:
                impact.version += 1
            tracked_save(impact, actor, reason)
        kept.add(impact.pk)
    for pk, impact in existing.items():
        if pk not in kept:
            tracked_delete(impact, actor, reason)


@transaction.atomic
def assessment_create(*, actor: User, data: dict, reason: str = "Created") -> ImpactAssessment:
    data = dict(data)
    impacts = data.pop("impacts", None) or []
    data["reference"] = _next_assessment_reference()
    assessment = records.record_create(ImpactAssessment, actor=actor, data=data, reason=reason)
    _save_impacts(assessment, impacts, actor=actor, reason=reason)
    return assessment


@transaction.atomic
def assessment_update(
    assessment: ImpactAssessment,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ImpactAssessment:
    """Save a draft: any field may still be empty; completeness is checked on submit."""
    data = dict(data)
    impacts = data.pop("impacts", None)
    current = ImpactAssessment.objects.get(pk=assessment.pk)
    if not current.is_open:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()} and frozen: "
            "start a new revision to change it."
        )
    if "system" in data and data["system"] != current.system and current.revision > 1:
        raise ValidationError({"system": "A revision assesses the same system as before."})
    assessment = records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )
    if impacts is not None:
        _save_impacts(assessment, impacts, actor=actor, reason=reason)
    return assessment


@transaction.atomic
def assessment_transition(
    assessment: ImpactAssessment,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> ImpactAssessment:
    changes = {}
    now = timezone.now()
    if name == "submit":
        changes = {
            "submitted_by": actor,
            "submitted_at": now,
            "needs_reassessment": False,
            "reassessment_reason": "",
        }
    elif name == "approve":
        changes = {"approver": actor, "approved_at": now}
    result = assessment_workflow.run(
        assessment,
        name,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes=changes,
    )
    if name == "approve" and result.previous_id:
        previous = ImpactAssessment.objects.get(pk=result.previous_id)
        if previous.status == ImpactAssessment.Status.APPROVED:
            assessment_workflow.run(
                previous, "supersede", actor=actor, reason=f"Replaced by revision {result.revision}"
            )
    return result


@transaction.atomic
def assessment_revise(
    assessment: ImpactAssessment, *, actor: User, reason: str = "New revision"
) -> ImpactAssessment:
    """Start a new draft revision of an approved assessment; the approved one stays frozen."""
    current = ImpactAssessment.objects.select_for_update().get(pk=assessment.pk)
    roles.require(actor, "create", ImpactAssessment.area)
    if current.status != ImpactAssessment.Status.APPROVED:
        raise ValidationError("Only an approved assessment is revised; edit this one directly.")
    pending = open_revision(current)
    if pending is not None:
        raise ValidationError(f"Revision {pending.revision} is already in progress.")
    copied = {
        f.name: getattr(current, f.name)
        for f in ImpactAssessment._meta.concrete_fields
        if f.editable and f.name not in ("id", "created_at", "updated_at")
    }
    new = ImpactAssessment(
        **copied,
        reference=current.reference,
        revision=current.revision + 1,
        previous=current,
    )
    new.owner = current.owner
    tracked_save(new, actor, reason or "New revision")
    for impact in current.impacts.all():
        tracked_save(
            Impact(
                assessment=new,
                position=impact.position,
                **{name: getattr(impact, name) for name in IMPACT_FIELDS},
            ),
            actor,
            f"Copied from revision {current.revision}",
        )
    return new


RE_ASSESSMENT_FIELDS = {
    "purpose": "purpose",
    "affected_parties": "users (affected parties)",
    "data_sensitivity": "data sensitivity",
}


def assessment_flag_reassessment(
    system: AISystem, changed: list[str], *, actor: User | None = None
) -> list[ImpactAssessment]:
    """Flag the current assessments of ``system``: its ``changed`` fields (labels) moved."""
    reason = f"The system's {' and '.join(changed)} changed on {timezone.localdate():%d %b %Y}."
    flagged = []
    for assessment in ImpactAssessment.objects.filter(system=system).exclude(
        status=ImpactAssessment.Status.SUPERSEDED
    ):
        assessment.needs_reassessment = True
        assessment.reassessment_reason = reason
        assessment.version += 1
        flagged.append(tracked_save(assessment, actor, f"Needs re-assessment: {reason}"))
    return flagged


# --- documents ---------------------------------------------------------------------------------


def assessment_export_request(
    assessment: ImpactAssessment, *, actor: User, fmt: str
) -> AssessmentExport:
    """Record a job rendering ``assessment`` as a PDF or Word document and start it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    from .tasks import render_document

    job = AssessmentExport(assessment=assessment, format=fmt)
    return document_jobs.document_request(job, actor=actor, task=render_document)


def assessment_export_retry(job: AssessmentExport, *, actor: User) -> AssessmentExport:
    """Request a failed document again, as a new job for the same assessment and format."""
    from .tasks import render_document

    return document_jobs.document_retry(job, actor=actor, task=render_document)
