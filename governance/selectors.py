"""Reads of the management-system registers: the scope in force, who still has to
acknowledge the AI policy, each objective's latest reading, the training matrix and the
figures objectives can be measured by. Each function runs a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from aims_portal import roles
from aims_portal.models import User
from assessments.models import ImpactAssessment
from controls.models import ControlledDocument, SoAEntry
from registry.models import AISystem

from .models import (
    Competence,
    Measurement,
    Metric,
    Objective,
    PolicyAcknowledgement,
    ScopeStatement,
    TrainingRecord,
)

# A training record is "expiring" this many days before its expiry date; reminders go then.
EXPIRY_WARNING_DAYS = 30


def approved_scope() -> ScopeStatement | None:
    """The scope in force: the most recently approved scope statement."""
    return (
        ScopeStatement.objects.filter(status=ScopeStatement.Status.APPROVED)
        .select_related("approved_by")
        .prefetch_related("systems_in", "systems_out", "suppliers")
        .order_by("-approved_at", "-pk")
        .first()
    )


def staff() -> QuerySet[User]:
    """People the AI policy applies to: active users holding a role other than auditor
    (auditors read the AIMS from outside it)."""
    names = [r for r in roles.role_names() if r != roles.AUDITOR]
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=names) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


def is_staff_member(user: User) -> bool:
    return bool(roles.user_roles(user) - {roles.AUDITOR})


def policies() -> QuerySet[ControlledDocument]:
    """Approved policy documents: each one's current version must be acknowledged."""
    return ControlledDocument.objects.filter(
        kind=ControlledDocument.Kind.POLICY, status=ControlledDocument.Status.APPROVED
    ).order_by("ref")


def unacknowledged(document: ControlledDocument) -> QuerySet[User]:
    """Staff who have not acknowledged the document's current version."""
    done = PolicyAcknowledgement.objects.filter(
        document=document, doc_version=document.doc_version, person=OuterRef("pk")
    )
    return staff().exclude(Exists(done))


def acknowledgement_summary() -> list[dict]:
    """Per approved policy: its version, how many staff acknowledged it and who has not."""
    people = list(staff())
    rows = []
    documents = list(policies())
    acks = set(
        PolicyAcknowledgement.objects.filter(document__in=documents).values_list(
            "document_id", "doc_version", "person_id"
        )
    )
    for document in documents:
        missing = [p for p in people if (document.pk, document.doc_version, p.pk) not in acks]
        rows.append(
            {
                "document": document,
                "staff": len(people),
                "acknowledged": len(people) - len(missing),
                "missing": missing,
            }
        )
    return rows


def objectives() -> QuerySet[Objective]:
    """Objectives with their latest reading (value and date) annotated: one query."""
    # A copy of a queryset built once: building the two subqueries took longer than the
    # rest of the list's filtering. The copy is lazy and shares no results.
    return _objectives_annotated().all()


@cache
def _objectives_annotated() -> QuerySet[Objective]:
    latest = Measurement.objects.filter(objective=OuterRef("pk")).order_by("-measured_on", "-pk")
    return Objective.objects.select_related("owner").annotate(
        latest_value=Subquery(
            latest.values("value")[:1],
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
        latest_on=Subquery(latest.values("measured_on")[:1]),
    )


@dataclass(frozen=True)
class ObjectiveStatus:
    key: str
    label: str
    tone: str


MET = ObjectiveStatus("met", "Target met", "success")
OFF_TRACK = ObjectiveStatus("off_track", "Below target", "warning")
OVERDUE = ObjectiveStatus("overdue", "Past due, target not met", "danger")
NOT_MEASURED = ObjectiveStatus("not_measured", "Not measured yet", "secondary")
STATUSES = (MET, OFF_TRACK, OVERDUE, NOT_MEASURED)


def objective_status(objective: Objective, today: date | None = None) -> ObjectiveStatus:
    """Where an objective (annotated by ``objectives()``) stands today."""
    today = today or timezone.localdate()
    value = getattr(objective, "latest_value", None)
    if value is None:
        return OVERDUE if objective.due_date < today else NOT_MEASURED
    if objective.meets(value):
        return MET
    return OVERDUE if objective.due_date < today else OFF_TRACK


def progress(objective: Objective) -> int:
    """The latest reading as a whole percentage of the target, 0 to 100 (for an "at most"
    objective, 100 once the reading is at or under the target)."""
    value = getattr(objective, "latest_value", None)
    if value is None:
        return 0
    if objective.meets(value):
        return 100
    if objective.direction == "at_most":
        return int(100 * objective.target / value) if value else 100
    return max(0, min(100, int(100 * value / objective.target))) if objective.target else 100


def objective_rows() -> list[dict]:
    """Plain rows (JSON-ready) of every objective and its status, for the dashboard, the
    management review inputs and the objectives report."""
    today = timezone.localdate()
    rows = []
    for o in objectives().order_by("reference"):
        status = objective_status(o, today)
        rows.append(
            {
                "reference": o.reference,
                "title": o.title,
                "owner": str(o.owner),
                "target": f"{o.target.normalize():f} {o.unit}".strip(),
                "direction": o.get_direction_display(),
                "latest": ""
                if o.latest_value is None
                else f"{o.latest_value.normalize():f} {o.unit}".strip(),
                "latest_on": o.latest_on.isoformat() if o.latest_on else "",
                "due_date": o.due_date.isoformat(),
                "progress": progress(o),
                "status": status.key,
                "status_label": status.label,
                "tone": status.tone,
                "url": o.get_absolute_url(),
            }
        )
    return rows


# --- figures computed from portal data ----------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _assessed_production() -> Decimal | None:
    production = AISystem.objects.filter(stage=AISystem.Stage.PRODUCTION)
    approved = ImpactAssessment.objects.filter(
        system=OuterRef("pk"), status=ImpactAssessment.Status.APPROVED
    )
    return _percent(production.filter(Exists(approved)).count(), production.count())


def _soa_implemented() -> Decimal | None:
    applicable = SoAEntry.objects.filter(applicability=SoAEntry.Applicability.APPLICABLE)
    done = applicable.filter(implementation_status=SoAEntry.Implementation.IMPLEMENTED)
    return _percent(done.count(), applicable.count())


def _training_current() -> Decimal | None:
    records = TrainingRecord.objects.all()
    today = timezone.localdate()
    current = records.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    return _percent(current.count(), records.count())


def _policy_acknowledged() -> Decimal | None:
    rows = acknowledgement_summary()
    return _percent(sum(r["acknowledged"] for r in rows), sum(r["staff"] for r in rows))


METRICS = {
    Metric.ASSESSED_PRODUCTION: _assessed_production,
    Metric.SOA_IMPLEMENTED: _soa_implemented,
    Metric.TRAINING_CURRENT: _training_current,
    Metric.POLICY_ACKNOWLEDGED: _policy_acknowledged,
}


def metric_value(metric: str) -> Decimal | None:
    """The figure a computed objective reads now; None when there is nothing to count."""
    return METRICS[metric]()


# --- training matrix -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str  # current, expiring, expired, missing
    label: str
    record: TrainingRecord | None = None


def cell_for(record: TrainingRecord | None, today: date) -> Cell:
    if record is None:
        return Cell("missing", "No record")
    if record.expires_on is None:
        return Cell("current", f"Held since {record.completed_on:%d %b %Y}", record)
    if record.expires_on < today:
        return Cell("expired", f"Expired {record.expires_on:%d %b %Y}", record)
    if record.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return Cell("expiring", f"Expires {record.expires_on:%d %b %Y}", record)
    return Cell("current", f"Valid to {record.expires_on:%d %b %Y}", record)


def latest_records() -> dict[tuple[int, int], TrainingRecord]:
    """{(person id, competence id): the latest training record}, from one query."""
    latest = {}
    for record in TrainingRecord.objects.select_related("competence", "person").order_by(
        "completed_on", "pk"
    ):
        latest[(record.person_id, record.competence_id)] = record
    return latest


def training_matrix() -> dict:
    """People (with at least one record, or staff) against competences: the latest record
    of each pair and its state. Three queries whatever the size."""
    competences = list(Competence.objects.select_related("system").order_by("reference"))
    latest = latest_records()
    person_ids = {person for person, _ in latest}
    people = list(
        get_user_model()
        .objects.filter(Q(pk__in=person_ids) | Q(pk__in=staff().values("pk")))
        .distinct()
        .order_by("username")
    )
    today = timezone.localdate()
    rows = [
        {"person": p, "cells": [cell_for(latest.get((p.pk, c.pk)), today) for c in competences]}
        for p in people
    ]
    return {"competences": competences, "rows": rows, "today": today}


def readings_by_objective() -> dict[int, list[Measurement]]:
    """{objective id: its measurements, oldest first}, from one query."""
    readings = {}
    for m in Measurement.objects.order_by("measured_on", "pk"):
        readings.setdefault(m.objective_id, []).append(m)
    return readings
