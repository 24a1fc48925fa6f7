"""Assessment and risk figures for the dashboard; each count opens the list behind it."""

from django.db.models import Count, Q
from django.urls import reverse

from aims_portal.dashboard import Card, Row, card

from .models import ImpactAssessment, Risk
from .selectors import scoring_method

LEVEL_TONES = ["success", "warning", "danger", "danger", "danger"]


@card("risks", order=40)
def open_risks_by_level(user):
    method = scoring_method()
    ranges = [(level["label"], method.score_range(level["label"])) for level in method.levels]
    live = Risk.objects.exclude(status=Risk.Status.CLOSED)
    figures = live.aggregate(
        **{
            f"l{n}": Count("id", filter=Q(residual_score__gte=low, residual_score__lte=high))
            for n, (_, (low, high)) in enumerate(ranges)
        },
        pending=Count("id", filter=Q(status=Risk.Status.PENDING)),
    )
    url = reverse("assessments:risk-list")
    rows = [
        Row(
            f"Residual {label.lower()}",
            figures[f"l{n}"],
            f"{url}?residual_level={label}",
            LEVEL_TONES[min(n, len(LEVEL_TONES) - 1)],
        )
        for n, (label, _) in enumerate(ranges)
    ]
    rows.append(
        Row("Awaiting acceptance", figures["pending"], f"{url}?status=pending_acceptance", "info")
    )
    return Card("Risks by residual level", rows, url=url, note="Closed risks are not counted.")


@card("assessments", order=35)
def assessments_by_status(user):
    url = reverse("assessments:assessment-list")
    current = ImpactAssessment.objects.exclude(status=ImpactAssessment.Status.SUPERSEDED)
    figures = current.aggregate(
        draft=Count("id", filter=Q(status="draft")),
        returned=Count("id", filter=Q(status="returned")),
        review=Count("id", filter=Q(status="in_review")),
        approved=Count("id", filter=Q(status="approved")),
        flagged=Count("id", filter=Q(needs_reassessment=True)),
    )
    return Card(
        "Impact assessments",
        [
            Row("Approved", figures["approved"], f"{url}?status=approved", "success"),
            Row("In review", figures["review"], f"{url}?status=in_review", "info"),
            Row("Returned for changes", figures["returned"], f"{url}?status=returned", "warning"),
            Row("Draft", figures["draft"], f"{url}?status=draft", "secondary"),
            Row(
                "Needs re-assessment",
                figures["flagged"],
                f"{url}?needs_reassessment=true&current=true",
                "warning",
            ),
        ],
        url=url,
    )
