"""Inventory figures for the dashboard: each count links to the filtered list behind it."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from aims_portal import charts
from aims_portal.dashboard import Card, Counted, Row, card, total

from .models import AISystem, ChangeRequest, Incident, Supplier
from .notifications import review_horizon

TIER_TONES = {"low": "success", "medium": "info", "high": "warning", "critical": "danger"}
TIER_PATTERNS = {"low": "solid", "medium": "dots", "high": "diagonal", "critical": "cross"}
SEVERITY_TONES = TIER_TONES
SEVERITY_PATTERNS = TIER_PATTERNS


def _query(url, **params):
    return f"{url}?" + "&".join(f"{key}={value}" for key, value in params.items())


@card(
    "inventory",
    order=10,
    counts=lambda: {"systems": Counted(AISystem.objects.all(), ("risk_tier", "stage"))},
)
def systems_by_tier_and_stage(user, figures):
    """Risk tier x lifecycle stage: a bar per tier and a cross-table."""
    counts = figures["systems"]
    url = reverse("registry:aisystem-list")
    tiers, stages = AISystem.RiskTier.choices, AISystem.Stage.choices
    by_tier = [
        Row(label, sum(counts.get((tier, s), 0) for s, _ in stages), _query(url, risk_tier=tier))
        for tier, label in tiers
    ]
    by_stage = [
        Row(label, sum(counts.get((t, stage), 0) for t, _ in tiers), _query(url, stage=stage))
        for stage, label in stages
    ]
    table = {
        "corner": "Risk tier \\ stage",
        "columns": [
            (label, row.url, row.count) for (_, label), row in zip(stages, by_stage, strict=True)
        ],
        "rows": [
            (
                label,
                by_tier[i].url,
                by_tier[i].count,
                [
                    (
                        counts.get((tier, stage), 0),
                        _query(url, risk_tier=tier, stage=stage),
                        f"{label} risk tier, {stage_label.lower()}",
                    )
                    for stage, stage_label in stages
                ],
            )
            for i, (tier, label) in enumerate(tiers)
        ],
        "total": sum(row.count for row in by_tier),
    }
    chart = charts.bar_chart(
        [
            charts.Bar(
                row.label, row.count, row.url, TIER_TONES[tier], TIER_PATTERNS.get(tier, "solid")
            )
            for (tier, _), row in zip(tiers, by_tier, strict=True)
        ],
        title="AI systems by risk tier",
        key="chart-tier",
        unit="systems",
        label_width=80,
        width=360,
    )
    return Card(
        "AI systems by risk tier and lifecycle stage",
        by_tier + by_stage,
        url=url,
        headline=f"{table['total']} AI systems",
        headline_url=url,
        chart=chart,
        table=table,
        wide=True,
        show_rows=False,
        note="Each number opens the inventory filtered to those systems.",
    )


@card(
    "inventory",
    order=20,
    counts=lambda: {
        "incidents": Counted(Incident.objects.all(), ("status", "severity")),
        "still_open": Counted(Incident.objects.still_open(), ("severity",)),
    },
)
def incidents(user, figures):
    counts = figures["incidents"]
    still_open = figures["still_open"]
    url = reverse("registry:incident-list")
    by_status = [
        Row(
            label,
            sum(n for (s, _), n in counts.items() if s == status),
            _query(url, status=status),
            {"open": "danger", "contained": "warning"}.get(status, "secondary"),
        )
        for status, label in Incident.Status.choices
    ]
    open_by_severity = [
        charts.Bar(
            label,
            still_open.get((severity,), 0),
            _query(url, still_open="true", severity=severity),
            SEVERITY_TONES[severity],
            SEVERITY_PATTERNS[severity],
        )
        for severity, label in Incident.Severity.choices
    ]
    chart = charts.bar_chart(
        open_by_severity,
        title="Incidents still open by severity",
        key="chart-incidents",
        unit="incidents still open",
        label_width=70,
        width=330,
    )
    return Card(
        "AI incidents",
        by_status,
        total_label="incidents",
        url=url,
        chart=chart,
        headline=f"{total(still_open)} still open",
        headline_url=_query(url, still_open="true"),
        note="Still open means open or contained, as in the management review; the list "
        "below counts every incident by status.",
    )


def _waiting_changes():
    waiting = ChangeRequest.objects.filter(status=ChangeRequest.Status.SUBMITTED)
    return {
        "waiting": Counted(waiting),
        "failing": Counted(waiting.filter(policy_passed=False)),
    }


@card("inventory", order=25, counts=_waiting_changes)
def lifecycle_changes(user, figures):
    changes = {name: total(bucket) for name, bucket in figures.items()}
    url = reverse("registry:change-list")
    return Card(
        "Lifecycle changes awaiting approval",
        [
            Row(
                "Changes awaiting approval",
                changes["waiting"],
                _query(url, status="submitted"),
                "warning",
            ),
            Row(
                "…of which failed the policy check",
                changes["failing"],
                _query(url, status="submitted", policy_passed="false"),
                "danger",
            ),
        ],
        url=url,
    )


def _supplier_counts():
    active = Supplier.objects.active()
    approved = Q(due_diligence_status=Supplier.DueDiligence.APPROVED)
    return {
        "approved": Counted(active.filter(approved)),
        "pending": Counted(active.exclude(approved)),
        "overdue": Counted(active.filter(next_review__lt=timezone.localdate())),
        "due": Counted(active.filter(next_review__lte=review_horizon())),
    }


@card("inventory", order=30, counts=_supplier_counts)
def supplier_due_diligence(user, figures):
    figures = {name: total(bucket) for name, bucket in figures.items()}
    url = reverse("registry:supplier-list")
    return Card(
        "Supplier due diligence",
        [
            Row("Approved", figures["approved"], _query(url, due_diligence="approved"), "success"),
            Row(
                "Not yet approved", figures["pending"], _query(url, due_diligence="open"), "warning"
            ),
            Row("Review overdue", figures["overdue"], _query(url, review_due="overdue"), "danger"),
            Row(
                "Review due within 30 days or overdue",
                figures["due"],
                _query(url, review_due="30"),
                "warning",
            ),
        ],
        url=url,
    )
