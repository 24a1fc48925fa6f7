"""Reads of the assessments app: the scoring method in force, heat-map counts, the
assessments of a system."""

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db.models import Count, QuerySet
from django.utils.text import capfirst

from aims_portal.charts import HeatCell

from .models import Impact, ImpactAssessment, Risk, ScoringMethod

AXES = {
    "inherent": ("inherent_likelihood", "inherent_impact"),
    "residual": ("residual_likelihood", "residual_impact"),
}


def scoring_method() -> ScoringMethod:
    """The scoring method in force. ``migrate`` loads the default one into a database that has
    none (assessments.scoring_default), so a missing method means an unmigrated database: it
    raises ImproperlyConfigured saying so rather than writing on a read."""
    method = ScoringMethod.objects.order_by("pk").first()
    if method is None:
        raise ImproperlyConfigured(
            "No risk scoring method is defined: run `manage.py migrate`, which loads the "
            "default one (assessments/scoring_method.yaml)."
        )
    return method


def heat_map_counts(queryset: QuerySet, axis: str) -> dict[tuple[int, int], int]:
    """{(likelihood, impact): number of risks} for ``axis`` "inherent" or "residual"."""
    row, col = AXES[axis]
    rows = queryset.order_by().values_list(row, col).annotate(n=Count("id"))
    return {(likelihood, impact): n for likelihood, impact, n in rows}


def heat_map_counts_both(queryset: QuerySet, *, reuse: bool = False) -> dict[str, dict]:
    """Both maps' counts from one scan: {"inherent": {...}, "residual": {...}}.

    Counting groups every risk the queryset selects, so it grows with the register. With
    ``reuse`` the counts are kept in the cache under the queryset's SQL and the register's
    version, and counted again only after a risk has changed: pass it only for querysets
    that filter on the risk's own columns (a risk's change to any of them writes a history
    row, which moves the version; links to other records do not).
    """
    if not reuse:
        return _count_both(queryset)
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. an id beyond the column's range: nothing can match
        return {"inherent": {}, "residual": {}}
    key = (
        "risk-heat-counts:"
        + hashlib.sha256(repr((sql, params, register_version())).encode()).hexdigest()
    )
    counts = cache.get(key)
    if counts is None:
        counts = _count_both(queryset)
        cache.set(key, counts, HEAT_COUNTS_SECONDS)
    return counts


HEAT_COUNTS_SECONDS = 24 * 3600  # a changed register makes a new key; old ones expire


def register_version() -> tuple | None:
    """The newest risk history row (id and time): every save or delete of a risk writes one.
    Its time tells apart two databases that reuse an id (a rolled-back test, a restore)."""
    return Risk.history.order_by("-history_id").values_list("history_id", "history_date").first()


def _count_both(queryset: QuerySet[Risk]) -> dict[str, dict[tuple[int, int], int]]:
    rows = (
        queryset.order_by()
        .values_list(*AXES["inherent"], *AXES["residual"])
        .annotate(n=Count("id"))
    )
    counts = {"inherent": {}, "residual": {}}
    for il, ii, rl, ri, n in rows:
        counts["inherent"][(il, ii)] = counts["inherent"].get((il, ii), 0) + n
        counts["residual"][(rl, ri)] = counts["residual"].get((rl, ri), 0) + n
    return counts


def heat_cells(
    counts: dict,
    method: ScoringMethod,
    href: Callable[[int, int], str] | None = None,
    selected: tuple[int, int] | None = None,
) -> list[HeatCell]:
    """HeatCells for every position of the method's matrix, with level and link."""
    cells = []
    for row in range(1, method.matrix_size + 1):
        for col in range(1, method.matrix_size + 1):
            level = method.level_for(row * col)
            cells.append(
                HeatCell(
                    row=row,
                    col=col,
                    count=counts.get((row, col), 0),
                    level=level["label"],
                    colour=level.get("colour", "#e9ecef"),
                    href=href(row, col) if href else "",
                    selected=selected == (row, col),
                )
            )
    return cells


def open_revision(assessment: ImpactAssessment) -> ImpactAssessment | None:
    """A draft, returned or in-review revision of the same assessment, if one exists."""
    return (
        ImpactAssessment.objects.filter(reference=assessment.reference)
        .exclude(pk=assessment.pk)
        .filter(
            status__in=[
                ImpactAssessment.Status.DRAFT,
                ImpactAssessment.Status.RETURNED,
                ImpactAssessment.Status.IN_REVIEW,
            ]
        )
        .first()
    )


# --- what stops an assessment being submitted ------------------------------------------------

REQUIRED_SECTIONS = {
    "System context": ("purpose", "intended_users", "environment", "data_flows"),
    "Affected parties": ("direct_users", "third_parties", "vulnerable_groups"),
    "Decision": ("decision", "decision_rationale", "next_review"),
}


def assessment_problems(assessment: ImpactAssessment) -> list[str]:
    """Everything that stops ``assessment`` being submitted, as messages (all at once)."""
    problems = []
    for section, names in REQUIRED_SECTIONS.items():
        for name in names:
            value = getattr(assessment, name)
            if value is None or not str(value).strip():
                label = capfirst(ImpactAssessment._meta.get_field(name).verbose_name)
                problems.append(f"{section}: fill in “{label}”.")
    impacts = list(assessment.impacts.all())
    if not impacts:
        problems.append("Impacts: describe at least one impact.")
    for n, impact in enumerate(impacts, 1):
        missing = [
            label
            for name, label in (
                ("category", "category"),
                ("description", "description"),
                ("likelihood", "likelihood"),
                ("severity", "severity"),
                ("residual_likelihood", "residual likelihood"),
                ("residual_severity", "residual severity"),
            )
            if not getattr(impact, name)
        ]
        if impact.direction == Impact.Direction.NEGATIVE and not (
            impact.technical_mitigations.strip() or impact.procedural_mitigations.strip()
        ):
            missing.append("a technical or procedural mitigation")
        if missing:
            problems.append(f"Impact {n}: give {', '.join(missing)}.")
    return problems
