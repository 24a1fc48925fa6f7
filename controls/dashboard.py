"""SoA, document, review and trend figures for the dashboard; each count links to the
filtered list behind it."""

from datetime import date

from django.db.models import Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from aims_portal import charts
from aims_portal.dashboard import (
    Card,
    Counted,
    Row,
    card,
    month_ends,
    once,
    total,
    trend_start,
    trend_values,
)
from assessments.models import ImpactAssessment, Risk
from assessments.selectors import scoring_method
from registry.models import AISystem, Supplier
from registry.notifications import REVIEW_NOTICE_DAYS, review_horizon

from .models import ControlledDocument, Requirement, SoAEntry, SoARevision
from .notifications import SOA_REVIEW_INTERVAL

# (key, label, tone, pattern, control-list filters): the segments of an Annex A group's bar.
SOA_SEGMENTS = (
    ("implemented", "Implemented", "success", "solid", {"implementation": "implemented"}),
    ("partial", "Partially implemented", "info", "diagonal", {"implementation": "partial"}),
    ("planned", "Planned", "warning", "dots", {"implementation": "planned"}),
    ("not_started", "Not started", "danger", "cross", {"implementation": "not_started"}),
    ("excluded", "Excluded", "secondary", "horizontal", {}),
    ("undecided", "Not yet decided", "light", "solid", {}),
)


def _query(url, **params):
    return f"{url}?" + "&".join(f"{key}={value}" for key, value in params.items())


def _segment_filters(key, extra):
    if key == "excluded":
        return {"applicability": "excluded"}
    if key == "undecided":
        return {"applicability": "undecided"}
    return {"applicability": "applicable", **extra}


SOA_FIELDS = ("control__group", "applicability", "implementation_status", "control__group_title")


@card(
    "controls",
    order=70,
    counts=lambda: {"entries": Counted(SoAEntry.objects.all(), SOA_FIELDS)},
)
def soa_progress(user, figures):
    groups, titles = {}, {}
    for (group, applicability, implementation, title), n in figures["entries"].items():
        titles[group] = title
        key = (
            implementation if applicability == SoAEntry.Applicability.APPLICABLE else applicability
        )
        counts = groups.setdefault(group, {})
        counts[key] = counts.get(key, 0) + n
    url = reverse("controls:control-list")
    ordered = sorted(groups, key=lambda g: [int(p) if p.isdigit() else p for p in g.split(".")])
    stacked = []
    for group in ordered:
        counts = groups[group]
        applicable = sum(
            counts.get(k, 0) for k in ("implemented", "partial", "planned", "not_started")
        )
        stacked.append(
            charts.StackedRow(
                f"{group} {titles[group]}",
                counts,
                href=_query(url, group=group),
                summary=f"{counts.get('implemented', 0)}/{applicable} implemented",
                segment_hrefs={
                    key: _query(url, group=group, **_segment_filters(key, extra))
                    for key, _, _, _, extra in SOA_SEGMENTS
                },
            )
        )
    chart = charts.stacked_bars(
        stacked,
        [
            charts.Segment(key, label, tone, pattern)
            for key, label, tone, pattern, _ in SOA_SEGMENTS
        ],
        title="SoA progress by Annex A group",
        key="chart-soa",
        label_width=230,
        width=660,
    )
    totals = [
        Row(
            label,
            sum(groups[g].get(key, 0) for g in groups),
            _query(url, **_segment_filters(key, extra)),
            tone,
        )
        for key, label, tone, _, extra in SOA_SEGMENTS
    ]
    return Card(
        "Statement of Applicability: progress by group",
        totals,
        total_label="controls",
        url=reverse("controls:soa"),
        chart=chart,
        wide=True,
        show_rows=False,
        note="Each bar segment opens the controls of that group in that state.",
    )


@card(
    "controls",
    order=75,
    counts=lambda: {"documents": Counted(ControlledDocument.objects.all(), ("status",))},
)
def controlled_documents(user, figures):
    by_status = {key[0]: n for key, n in figures["documents"].items()}
    f = {name: by_status.get(status, 0) for name, status in DOCUMENT_FIGURES}
    url = reverse("controls:document-list")
    return Card(
        "Controlled documents",
        [
            Row("Approved", f["approved"], _query(url, doc_status="approved"), "success"),
            Row("In review", f["review"], _query(url, doc_status="in_review"), "warning"),
            Row("Draft", f["draft"], _query(url, doc_status="draft"), "secondary"),
        ],
        total_label="documents",
        url=url,
    )


DOCUMENT_FIGURES = (("approved", "approved"), ("review", "in_review"), ("draft", "draft"))


def _due_counts():
    horizon = review_horizon()
    return {
        "systems": Counted(AISystem.objects.in_service().filter(next_review__lte=horizon)),
        "assessments": Counted(
            ImpactAssessment.objects.filter(
                status=ImpactAssessment.Status.APPROVED, next_review__lte=horizon
            )
        ),
        "risks": Counted(
            Risk.objects.exclude(status=Risk.Status.CLOSED).filter(review_date__lte=horizon)
        ),
        "documents": Counted(ControlledDocument.objects.filter(review_date__lte=horizon)),
        "suppliers": Counted(Supplier.objects.active().filter(next_review__lte=horizon)),
        # Revisions are few (one per approval): their numbers and approval dates.
        "soa": Counted(SoARevision.objects.all(), ("number", TruncDate("approved_at"))),
    }


@card("dashboard", order=62, counts=_due_counts)
def reviews_due(user, figures):
    """Reviews due within REVIEW_NOTICE_DAYS (or overdue), per record type: the same
    records the reminders go out for."""
    horizon = review_horizon()
    counts = {name: total(bucket) for name, bucket in figures.items() if name != "soa"}
    due = f"review_due={REVIEW_NOTICE_DAYS}"
    rows = [
        Row(
            "AI systems",
            counts["systems"],
            f"{reverse('registry:aisystem-list')}?{due}",
            "warning",
        ),
        Row(
            "Impact assessments",
            counts["assessments"],
            f"{reverse('assessments:assessment-list')}?status=approved&{due}",
            "warning",
        ),
        Row("Risks", counts["risks"], f"{reverse('assessments:risk-list')}?{due}", "warning"),
        Row(
            "Controlled documents",
            counts["documents"],
            f"{reverse('controls:document-list')}?{due}",
            "warning",
        ),
        Row(
            "Suppliers",
            counts["suppliers"],
            f"{reverse('registry:supplier-list')}?{due}",
            "warning",
        ),
    ]
    revisions = sorted(((int(n), day) for n, day in figures["soa"]), reverse=True)
    if not revisions:
        soa_note = "The SoA has no approved revision yet."
    else:
        soa_due = date.fromisoformat(revisions[0][1]) + SOA_REVIEW_INTERVAL
        soa_note = f"The SoA is next due for review on {soa_due:%d %b %Y}."
        if soa_due <= horizon:
            rows.append(Row("Statement of Applicability", 1, reverse("controls:soa"), "danger"))
    return Card(
        f"Reviews due in the next {REVIEW_NOTICE_DAYS} days",
        rows,
        total_label="due or overdue",
        note=f"Overdue reviews are included. {soa_note}",
    )


def _trend_specs():
    """The series of the trend: (model, condition on its fields) each, and the top level."""
    method = once("scoring_method", scoring_method)
    top = method.levels[-1]
    low, high = method.score_range(top["label"])
    return top, {
        "production": (AISystem, Q(stage=AISystem.Stage.PRODUCTION)),
        "risks": (
            Risk,
            Q(status=Risk.Status.OPEN, residual_score__gte=low, residual_score__lte=high),
        ),
        "implemented": (
            SoAEntry,
            Q(
                applicability=SoAEntry.Applicability.APPLICABLE,
                implementation_status=SoAEntry.Implementation.IMPLEMENTED,
            ),
        ),
    }


def _trend_counts():
    _, specs = _trend_specs()
    return {name: Counted(model.objects.filter(q)) for name, (model, q) in specs.items()}


@card("dashboard", order=15, counts=_trend_counts)
def trend(user, figures):
    """Main figures at the end of each of the last twelve months, read from history."""
    top, specs = _trend_specs()
    points = month_ends()
    counts = trend_values(
        specs,
        [moment for _, moment in points],
        {name: total(bucket) for name, bucket in figures.items()},
        user=user,
    )
    # Months before the first record are left out rather than drawn as zeros.
    start = trend_start(specs, [moment for _, moment in points], user=user)
    counts = {name: values[start:] for name, values in counts.items()}
    labels = [label for label, _ in points[start:]]
    series = [
        charts.Series(
            "AI systems in production",
            counts["production"],
            _query(reverse("registry:aisystem-list"), stage="production"),
        ),
        charts.Series(
            f"Open risks rated {top['label'].lower()} after treatment",
            counts["risks"],
            _query(reverse("assessments:risk-list"), status="open", residual_level=top["label"]),
        ),
        charts.Series(
            "SoA controls implemented",
            counts["implemented"],
            _query(
                reverse("controls:control-list"),
                applicability="applicable",
                implementation="implemented",
            ),
        ),
    ]
    months = len(labels)
    span = "The last twelve months" if months == len(points) else f"Since {labels[0]}"
    chart = charts.line_chart(series, labels, title=span, key="chart-trend", width=660)
    return Card(
        "Trend over twelve months" if months == len(points) else f"Trend since {labels[0]}",
        [Row(s.label, s.values[-1], s.href, "primary") for s in series],
        chart=chart,
        wide=True,
        note=f"Values at the end of each month, from the records' history; the last point is "
        f"today ({timezone.localdate():%d %b %Y})."
        + ("" if months == len(points) else f" Nothing was recorded before {labels[0]}."),
    )


REQUIREMENT_ROWS = (
    ("met", "Met", "success"),
    ("partial", "Partially met", "info"),
    ("planned", "Planned", "warning"),
    ("not_started", "Not started", "danger"),
)


@card(
    "controls",
    order=77,
    counts=lambda: {
        "requirements": Counted(Requirement.objects.all(), ("status",)),
        "unowned": Counted(Requirement.objects.filter(owner__isnull=True)),
    },
)
def requirement_compliance(user, figures):
    """Clauses 4-10: how many requirements are met, partly met, planned or not started."""
    by_status = {key[0]: n for key, n in figures["requirements"].items()}
    url = reverse("controls:requirement-list")
    met, total_count = by_status.get("met", 0), sum(by_status.values())
    unowned = total(figures["unowned"])
    return Card(
        "Clauses 4 to 10: requirement compliance",
        [
            Row(label, by_status.get(key, 0), _query(url, compliance=key), tone)
            for key, label, tone in REQUIREMENT_ROWS
        ],
        total_label="requirements",
        url=url,
        headline=f"{met} / {total_count} met",
        headline_url=_query(url, compliance="met"),
        note=(
            f"{unowned} requirement{'s' if unowned != 1 else ''} without an owner."
            if unowned
            else "Every requirement has an owner."
        ),
    )
