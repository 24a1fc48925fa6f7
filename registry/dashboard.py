"""Inventory figures for the dashboard: each count links to the filtered list behind it."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from aims_portal.dashboard import Card, Row, card

from .models import AISystem, Supplier

TIER_TONES = {"low": "success", "medium": "info", "high": "warning", "critical": "danger"}


def _breakdown(field, choices, tones=None):
    tones = tones or {}
    counts = dict(
        AISystem.objects.values_list(field).annotate(n=Count("id")).values_list(field, "n")
    )
    url = reverse("registry:aisystem-list")
    return [
        Row(
            label,
            counts.get(value, 0),
            f"{url}?{field}={value}",
            (tones or {}).get(value, "primary"),
        )
        for value, label in choices
    ]


@card("inventory", order=10)
def systems_by_risk_tier(user):
    return Card(
        "AI systems by risk tier",
        _breakdown("risk_tier", AISystem.RiskTier.choices, TIER_TONES),
        total_label="systems",
        url=reverse("registry:aisystem-list"),
    )


@card("inventory", order=20)
def systems_by_stage(user):
    return Card(
        "AI systems by lifecycle stage",
        _breakdown("stage", AISystem.Stage.choices),
        total_label="systems",
        url=reverse("registry:aisystem-list"),
    )


@card("inventory", order=30)
def supplier_due_diligence(user):
    today = timezone.localdate()
    soon = today + timedelta(days=30)
    figures = Supplier.objects.filter(retired_at__isnull=True).aggregate(
        pending=Count("id", filter=~Q(due_diligence_status=Supplier.DueDiligence.APPROVED)),
        approved=Count("id", filter=Q(due_diligence_status=Supplier.DueDiligence.APPROVED)),
        due=Count("id", filter=Q(next_review__lte=soon)),
    )
    url = reverse("registry:supplier-list")
    return Card(
        "Supplier due diligence",
        [
            Row("Approved", figures["approved"], f"{url}?due_diligence_status=approved", "success"),
            Row("Not yet approved", figures["pending"], f"{url}?due_diligence=open", "warning"),
            Row("Review due within 30 days", figures["due"], f"{url}?review_due=30", "danger"),
        ],
        url=url,
    )


@card("inventory", order=40)
def lifecycle_and_incidents(user):
    from .models import ChangeRequest, Incident

    changes = ChangeRequest.objects.filter(status=ChangeRequest.Status.SUBMITTED).aggregate(
        waiting=Count("id"), failing=Count("id", filter=Q(policy_passed=False))
    )
    incidents = Incident.objects.filter(
        status__in=[Incident.Status.OPEN, Incident.Status.CONTAINED]
    ).aggregate(open=Count("id"), severe=Count("id", filter=Q(severity__in=["high", "critical"])))
    change_url = reverse("registry:change-list")
    incident_url = reverse("registry:incident-list")
    return Card(
        "Lifecycle changes and incidents",
        [
            Row(
                "Changes awaiting approval",
                changes["waiting"],
                f"{change_url}?status=submitted",
                "warning",
            ),
            Row(
                "…of which failed the policy check",
                changes["failing"],
                f"{change_url}?status=submitted&policy_passed=false",
                "danger",
            ),
            Row("Open incidents", incidents["open"], f"{incident_url}?status=open", "danger"),
            Row(
                "…of which high or critical",
                incidents["severe"],
                f"{incident_url}?status=open&severity=high",
                "danger",
            ),
        ],
        url=change_url,
    )
