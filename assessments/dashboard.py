"""Assessment and risk figures for the dashboard; each count opens the list behind it."""

from django.db.models import Exists
from django.urls import reverse
from django.utils.html import format_html

from aims_portal import charts
from aims_portal.dashboard import Card, Counted, Row, card, once, total
from registry.models import AISystem

from .models import ImpactAssessment, Risk
from .readiness import valid_assessment
from .selectors import heat_cells, scoring_method

LEVEL_TONES = ["success", "warning", "danger", "danger", "danger"]


def _query(url, **params):
    return f"{url}?" + "&".join(f"{key}={value}" for key, value in params.items())


def _coverage_counts():
    in_service = AISystem.objects.in_service()
    return {
        "total": Counted(in_service),
        "covered": Counted(in_service.filter(Exists(valid_assessment()))),
    }


@card("assessments", order=50, counts=_coverage_counts)
def assessment_coverage(user, figures):
    figures = {name: total(bucket) for name, bucket in figures.items()}
    missing = figures["total"] - figures["covered"]
    percent = round(100 * figures["covered"] / figures["total"]) if figures["total"] else 0
    gaps_url = reverse("readiness") + "#impact-assessment-per-system"
    chart = charts.stacked_bars(
        [
            charts.StackedRow(
                "Systems in service",
                {"covered": figures["covered"], "missing": missing},
                summary=f"{percent}% covered",
                segment_hrefs={"missing": gaps_url},
            )
        ],
        [
            charts.Segment("covered", "Valid approved assessment", "success", "solid"),
            charts.Segment("missing", "Missing, unapproved or out of date", "danger", "cross"),
        ],
        title="Impact assessment coverage",
        key="chart-coverage",
        label_width=120,
        width=380,
        legend_columns=1,
    )
    return Card(
        "Impact assessment coverage",
        [
            Row(
                "Systems without a valid assessment",
                missing,
                gaps_url,
                "danger" if missing else "success",
            ),
        ],
        url=reverse("assessments:assessment-list"),
        chart=chart,
        headline=f"{figures['covered']} of {figures['total']} systems",
        headline_url=_query(
            reverse("assessments:assessment-list"), status="approved", current="true"
        ),
        note="Retired systems are not counted. The headline opens the approved assessments; "
        "the gaps open the readiness check that names each system.",
    )


def _status_counts():
    current = ImpactAssessment.objects.exclude(status=ImpactAssessment.Status.SUPERSEDED)
    return {
        "by_status": Counted(current, ("status",)),
        "flagged": Counted(current.filter(needs_reassessment=True)),
    }


@card("assessments", order=55, counts=_status_counts)
def assessments_by_status(user, counts):
    url = reverse("assessments:assessment-list")
    by_status = {key[0]: n for key, n in counts["by_status"].items()}
    figures = {
        "draft": by_status.get("draft", 0),
        "returned": by_status.get("returned", 0),
        "review": by_status.get("in_review", 0),
        "approved": by_status.get("approved", 0),
        "flagged": total(counts["flagged"]),
    }
    return Card(
        "Impact assessments by status",
        [
            Row("Approved", figures["approved"], _query(url, status="approved"), "success"),
            Row("In review", figures["review"], _query(url, status="in_review"), "info"),
            Row(
                "Returned for changes",
                figures["returned"],
                _query(url, status="returned"),
                "warning",
            ),
            Row("Draft", figures["draft"], _query(url, status="draft"), "secondary"),
            Row(
                "Needs re-assessment",
                figures["flagged"],
                _query(url, needs_reassessment="true", current="true"),
                "warning",
            ),
        ],
        url=url,
        note="Superseded revisions are not counted.",
    )


RATINGS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


def _risk_counts():
    # Live risks are all risks (grouped straight from the index on the four ratings) less
    # the closed ones (found through the status index): both far cheaper than grouping the
    # rows that are not closed.
    return {
        "all": Counted(Risk.objects.all(), RATINGS),
        "closed": Counted(Risk.objects.filter(status=Risk.Status.CLOSED), RATINGS),
        "pending": Counted(Risk.objects.filter(status=Risk.Status.PENDING)),
    }


@card("risks", order=58, counts=_risk_counts)
def risk_heat_maps(user, figures):
    """Inherent and residual heat maps of the live register, with counts by residual level."""
    method = once("scoring_method", scoring_method)
    inherent, residual, by_level = {}, {}, {}
    closed = figures["closed"]
    for key, n in figures["all"].items():
        n -= closed.get(key, 0)
        il, ii, rl, ri = (int(value) for value in key)
        inherent[(il, ii)] = inherent.get((il, ii), 0) + n
        residual[(rl, ri)] = residual.get((rl, ri), 0) + n
        level = method.level_for(rl * ri)["label"]
        by_level[level] = by_level.get(level, 0) + n
    pending = total(figures["pending"])
    url = reverse("assessments:risk-list")

    def cell_link(axis):
        return lambda row, col: _query(
            url, current="true", **{f"{axis}_likelihood": row, f"{axis}_impact": col}
        )

    maps = format_html(
        '<div class="heat-maps">{}{}</div>',
        charts.heat_map(
            heat_cells(inherent, method, href=cell_link("inherent")),
            size=method.matrix_size,
            title="Inherent risk (before treatment)",
            cell=48,
        ),
        charts.heat_map(
            heat_cells(residual, method, href=cell_link("residual")),
            size=method.matrix_size,
            title="Residual risk (after treatment)",
            cell=48,
        ),
    )
    level_rows = [
        Row(
            f"Residual {level['label'].lower()}",
            by_level.get(level["label"], 0),
            _query(url, current="true", residual_level=level["label"]),
            LEVEL_TONES[min(n, len(LEVEL_TONES) - 1)],
        )
        for n, level in enumerate(method.levels)
    ]
    level_rows.append(
        Row("Awaiting acceptance", pending, _query(url, status="pending_acceptance"), "info")
    )
    return Card(
        "Risks by residual level and heat maps",
        level_rows,
        url=_query(url, current="true"),
        headline=f"{sum(inherent.values())} live risks",
        headline_url=_query(url, current="true"),
        chart=maps,
        wide=True,
        note="Closed risks are not counted. Each cell opens the risks rated there.",
    )
