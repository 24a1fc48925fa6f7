"""Reads of the audits app: auditor independence, checklist and finding figures, overdue
corrective actions and the live inputs of a management review. Each read runs a fixed
number of queries whatever the number of records."""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from aims_portal.models import User
from assessments.models import ImpactAssessment, Risk
from assessments.selectors import heat_map_counts, scoring_method
from controls.models import Control, ControlledDocument, Requirement, SoAEntry, SoARevision
from governance.selectors import objective_rows
from registry.models import AISystem, Incident

from .models import (
    Audit,
    AuditProgramme,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)

# --- auditor independence ---------------------------------------------------------------------


def independence_conflicts(
    auditors: Iterable[User | None],
    *,
    systems: Iterable[AISystem] = (),
    controls: Iterable[Control] = (),
    requirements: Iterable[Requirement] = (),
    programme: AuditProgramme | None = None,
) -> dict[User, list[str]]:
    """{auditor: [what they own in this scope]}: the records an auditor would be judging as
    their own work. Ownership counts for SoA entries and controlled documents of the audited
    controls, AI systems in scope, their current impact assessments, risks tied to either, and,
    for audits of clause 9.2, the audit programme itself."""
    auditors = [a for a in auditors if a is not None]
    ids = {a.pk for a in auditors}
    if not ids:
        return {}
    found = {pk: [] for pk in ids}
    control_ids = [c.pk for c in controls]
    system_ids = [s.pk for s in systems]
    for entry in SoAEntry.objects.filter(
        control_id__in=control_ids, owner_id__in=ids
    ).select_related("control"):
        found[entry.owner_id].append(f"SoA entry {entry.control.ref}")
    for doc in ControlledDocument.objects.filter(
        controls__in=control_ids, owner_id__in=ids
    ).distinct():
        found[doc.owner_id].append(f"document {doc.ref}")
    for system in AISystem.objects.filter(pk__in=system_ids, owner_id__in=ids):
        found[system.owner_id].append(f"AI system {system.slug}")
    for assessment in ImpactAssessment.objects.filter(
        system_id__in=system_ids, owner_id__in=ids
    ).exclude(status=ImpactAssessment.Status.SUPERSEDED):
        found[assessment.owner_id].append(f"impact assessment {assessment.reference}")
    for risk in (
        Risk.objects.filter(
            Q(systems__in=system_ids) | Q(soa_entries__control__in=control_ids), owner_id__in=ids
        )
        .exclude(status=Risk.Status.CLOSED)
        .distinct()
    ):
        found[risk.owner_id].append(f"risk {risk.reference}")
    audits_the_programme = any(r.ref.startswith("9.2") for r in requirements)
    if programme is not None and programme.owner_id in ids and audits_the_programme:
        found[programme.owner_id].append("the audit programme (clause 9.2)")
    by_id = {a.pk: a for a in auditors}
    return {by_id[pk]: sorted(set(items)) for pk, items in found.items() if items}


def conflict_messages(conflicts: dict[User, list[str]]) -> list[str]:
    return [
        f"{user} cannot audit this scope: they own {', '.join(items[:6])}"
        + (f" and {len(items) - 6} more" if len(items) > 6 else "")
        + "."
        for user, items in conflicts.items()
    ]


def audit_team(audit: Audit) -> list[User]:
    return [audit.lead_auditor, *audit.auditors.all()]


def independence_problems(audit: Audit) -> list[str]:
    """Independence, checked again from the saved audit (ownership may have moved since)."""
    return conflict_messages(
        independence_conflicts(
            audit_team(audit),
            systems=list(audit.systems.all()),
            controls=list(audit.controls.all()),
            requirements=list(audit.requirements.all()),
            programme=audit.programme,
        )
    )


def on_team(audit: Audit, user: User) -> bool:
    return audit.lead_auditor_id == user.pk or audit.auditors.filter(pk=user.pk).exists()


# --- audits, checklists and findings ----------------------------------------------------------


def _count_per_line(queryset: QuerySet) -> Coalesce:
    """How many rows of ``queryset`` point at the outer checklist line (0 when none), as a
    subquery: two joined counts would multiply findings by evidence items."""
    counted = (
        queryset.filter(checklist_line=OuterRef("pk"))
        .order_by()
        .values("checklist_line")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def checklist(audit: Audit) -> QuerySet[ChecklistLine]:
    """The audit's lines with how many findings and evidence items each has."""
    return audit.checklist.select_related("assessed_by").annotate(
        findings_count=_count_per_line(Finding.objects.all()),
        evidence_count=_count_per_line(EvidenceItem.objects.active()),
    )


def _count_for(queryset: QuerySet, field: str, outer: str) -> Coalesce:
    """How many rows of ``queryset`` have ``field`` equal to the outer row's ``outer``."""
    counted = (
        queryset.filter(**{field: OuterRef(outer)})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def checklist_with_criteria(audit: Audit) -> QuerySet[ChecklistLine]:
    """The audit's lines with what an auditor checks each against: the control's purpose and
    its SoA entry (owner, status), or the clause requirement (owner, status, notes), and how
    many evidence items the line, the SoA entry or the requirement carries. One query."""
    evidence = EvidenceItem.objects.active()
    return (
        checklist(audit)
        .select_related("control__soa_entry__owner", "requirement__owner")
        .annotate(
            criterion_evidence_count=_count_for(evidence, "soa_entry", "control__soa_entry")
            + _count_for(evidence, "requirement", "requirement"),
        )
    )


def result_counts(lines: Iterable[ChecklistLine]) -> list[dict[str, Any]]:
    counts = {value: 0 for value in ChecklistLine.Result.values}
    for line in lines:
        counts[line.result] += 1
    return [
        {"result": value, "label": label, "count": counts[value]}
        for value, label in ChecklistLine.Result.choices
    ]


def findings_by_kind(queryset: QuerySet[Finding] | None = None) -> list[dict[str, Any]]:
    """[{kind, label, open, total}] over ``queryset`` (all findings by default)."""
    queryset = Finding.objects.all() if queryset is None else queryset
    figures = queryset.aggregate(
        **{
            f"{kind}_open": Count("id", filter=Q(kind=kind, status=Finding.Status.OPEN))
            for kind in Finding.Kind.values
        },
        **{f"{kind}_total": Count("id", filter=Q(kind=kind)) for kind in Finding.Kind.values},
    )
    return [
        {
            "kind": kind,
            "label": label,
            "open": figures[f"{kind}_open"],
            "total": figures[f"{kind}_total"],
        }
        for kind, label in Finding.Kind.choices
    ]


def overdue_actions() -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.filter(
        status__in=CorrectiveAction.OPEN_STATUSES, due_date__lt=timezone.localdate()
    )


def actions_by_status() -> tuple[list[dict[str, Any]], int]:
    today = timezone.localdate()
    figures = CorrectiveAction.objects.aggregate(
        **{f"s_{s}": Count("id", filter=Q(status=s)) for s in CorrectiveAction.Status.values},
        overdue=Count(
            "id",
            filter=Q(status__in=CorrectiveAction.OPEN_STATUSES, due_date__lt=today),
        ),
    )
    rows = [
        {"status": s, "label": label, "count": figures[f"s_{s}"]}
        for s, label in CorrectiveAction.Status.choices
    ]
    return rows, figures["overdue"]


# --- management review inputs -----------------------------------------------------------------


def previous_review(review: ManagementReview) -> ManagementReview | None:
    """The last completed review before this one."""
    earlier = ManagementReview.objects.filter(status=ManagementReview.Status.COMPLETED).exclude(
        pk=review.pk
    )
    if review.pk:
        earlier = earlier.filter(meeting_date__lte=review.meeting_date)
    return earlier.order_by("-meeting_date", "-pk").first()


def _action_row(action: CorrectiveAction, today: date) -> dict[str, Any]:
    return {
        "reference": action.reference,
        "title": action.title,
        "owner": str(action.owner),
        "due_date": action.due_date.isoformat(),
        "status": action.status,
        "status_label": action.get_status_display(),
        "overdue": action.status in CorrectiveAction.OPEN_STATUSES and action.due_date < today,
        "url": action.get_absolute_url(),
    }


def review_figures(review: ManagementReview) -> dict[str, Any]:
    """The clause 9.3 inputs the portal can count, as plain data: what a draft review shows
    live and what completing it freezes into ``figures``."""
    today = timezone.localdate()
    previous = previous_review(review)
    since = previous.meeting_date if previous else today - timedelta(days=365)
    previous_actions = []
    if previous is not None:
        previous_actions = [
            _action_row(a, today)
            for a in previous.actions.select_related("owner").order_by("reference")
        ]
    overdue = [
        _action_row(a, today)
        for a in overdue_actions().select_related("owner").order_by("due_date")[:20]
    ]
    action_rows, overdue_count = actions_by_status()
    audits = [
        {
            "reference": a.reference,
            "title": a.title,
            "status_label": a.get_status_display(),
            "completed_at": a.completed_at.isoformat() if a.completed_at else "",
            "lines": a.n_lines,
            "conforming": a.n_conforming,
            "major": a.n_major,
            "minor": a.n_minor,
            "observations": a.n_obs,
            "improvements": a.n_ofi,
            "url": a.get_absolute_url(),
        }
        for a in Audit.objects.filter(
            Q(completed_at__gte=since) | Q(status=Audit.Status.IN_PROGRESS)
        )
        .annotate(
            n_lines=Count("checklist", distinct=True),
            n_conforming=Count("checklist", filter=Q(checklist__result="conforms"), distinct=True),
            n_major=Count("findings", filter=Q(findings__kind="major_nc"), distinct=True),
            n_minor=Count("findings", filter=Q(findings__kind="minor_nc"), distinct=True),
            n_obs=Count("findings", filter=Q(findings__kind="observation"), distinct=True),
            n_ofi=Count("findings", filter=Q(findings__kind="ofi"), distinct=True),
        )
        .order_by("-completed_at", "reference")[:20]
    ]
    method = scoring_method()
    live_risks = Risk.objects.exclude(status=Risk.Status.CLOSED)
    residual = heat_map_counts(live_risks, "residual")
    risk_status = Risk.objects.aggregate(
        **{f"s_{s}": Count("id", filter=Q(status=s)) for s in Risk.Status.values}
    )
    soa = SoAEntry.objects.aggregate(
        total=Count("id"),
        implemented=Count(
            "id", filter=Q(applicability="applicable", implementation_status="implemented")
        ),
        partial=Count("id", filter=Q(applicability="applicable", implementation_status="partial")),
        planned=Count(
            "id",
            filter=Q(
                applicability="applicable", implementation_status__in=["planned", "not_started"]
            ),
        ),
        excluded=Count("id", filter=Q(applicability="excluded")),
        undecided=Count("id", filter=Q(applicability="undecided")),
    )
    latest = SoARevision.objects.order_by("-number").only("number", "approved_at").first()
    incidents = Incident.objects.aggregate(
        **{
            f"{s}_open": Count("id", filter=Q(severity=s, status__in=Incident.STILL_OPEN))
            for s in Incident.Severity.values
        },
        **{
            f"{s}_since": Count("id", filter=Q(severity=s, detected_at__date__gte=since))
            for s in Incident.Severity.values
        },
    )
    return {
        "as_of": timezone.now().isoformat(timespec="seconds"),
        "since": since.isoformat(),
        "previous_review": (
            {
                "reference": previous.reference,
                "meeting_date": previous.meeting_date.isoformat(),
                "url": previous.get_absolute_url(),
            }
            if previous
            else None
        ),
        "previous_actions": previous_actions,
        "findings": findings_by_kind(),
        "findings_since": findings_by_kind(Finding.objects.filter(created_at__date__gte=since)),
        "actions": {"by_status": action_rows, "overdue": overdue_count, "overdue_list": overdue},
        "audits": audits,
        "risks": {
            "matrix_size": method.matrix_size,
            "levels": method.levels,
            "residual": [[row, col, n] for (row, col), n in sorted(residual.items())],
            "by_status": [
                {"status": s, "label": label, "count": risk_status[f"s_{s}"]}
                for s, label in Risk.Status.choices
            ],
            "open_total": sum(residual.values()),
        },
        "soa": {
            **soa,
            "latest_revision": latest.number if latest else None,
            "latest_revision_date": latest.approved_at.date().isoformat() if latest else "",
        },
        "incidents": [
            {
                "severity": s,
                "label": label,
                "open": incidents[f"{s}_open"],
                "since": incidents[f"{s}_since"],
            }
            for s, label in Incident.Severity.choices
        ],
        # Clause 9.3 asks for the fulfilment of AI objectives (governance app).
        "objectives": objective_rows(),
        "links": {
            "findings": reverse("audits:finding-list"),
            "actions": reverse("audits:action-list"),
            "risks": reverse("assessments:risk-list"),
            "soa": reverse("controls:soa"),
            "incidents": reverse("registry:incident-list"),
        },
    }


def review_inputs(review: ManagementReview) -> dict[str, Any]:
    """What a review page or its minutes show: the frozen figures once completed, else live."""
    return review.figures if review.is_completed and review.figures else review_figures(review)
