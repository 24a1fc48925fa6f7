"""Dashboard cards. Apps register the figures they own; the portal only lays them out, so
aims_portal never imports the apps that build on it.

Also here: ``monthly_counts``, which reads a trend (how many records met a condition at the
end of each month) from the simple-history tables in a single query.
"""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When, Window
from django.db.models.functions import Lead
from django.utils import timezone

from . import roles

_CARDS = []

TREND_MONTHS = 12


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    url: str = ""
    tone: str = "secondary"


@dataclass(frozen=True)
class Card:
    title: str
    rows: list[Row] = field(default_factory=list)
    total_label: str = ""
    url: str = ""
    note: str = ""
    # Server-rendered SVG (aims_portal.charts) drawn above the rows, if any.
    chart: str = ""
    # "wide" cards take two columns of the grid (charts, heat maps, trends).
    wide: bool = False
    # A cross-table: {"corner", "columns": [(label, url, total)], "rows": [(label, url,
    # total, [(count, url), ...])]}, every number a link.
    table: dict | None = None
    # Rows drawn as a list with bars; cards whose chart or table shows them turn this off.
    show_rows: bool = True
    # A headline figure drawn large at the top, e.g. "9 / 12".
    headline: str = ""
    headline_url: str = ""

    @property
    def total(self):
        return sum(row.count for row in self.rows)

    @property
    def max_count(self):
        return max([row.count for row in self.rows] or [0])


def card(area, order=100):
    """Register ``func(user) -> Card`` as a dashboard card shown to users who may view area.

    Orders used so far: 5 readiness, 8 trend, 10-49 inventory, 50-69 assessments and
    risks, 70-89 controls, 90+ audits. A card function returns None to hide itself.
    """

    def register(func):
        _CARDS.append((order, area, func))
        _CARDS.sort(key=lambda entry: entry[0])
        return func

    return register


def cards_for(user):
    cards = (func(user) for _, area, func in _CARDS if roles.can(user, "view", area))
    return [c for c in cards if c is not None]


# --- trends from history -----------------------------------------------------------------


def month_ends(months=TREND_MONTHS, now=None):
    """``months`` (label, moment) pairs, oldest first: the start of each following month in
    the current time zone, and for the current month, now."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    year, month = local.year, local.month
    points = [(local.strftime("%b %y"), now)]
    for _ in range(months - 1):
        boundary = timezone.make_aware(datetime.combine(datetime(year, month, 1), time.min))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        label = datetime(year, month, 1).strftime("%b %y")
        points.append((label, boundary))
    return list(reversed(points))


def monthly_counts(specs, moments):
    """How many records met a condition at each moment, for several conditions at once.

    ``specs`` maps a name to ``(model, q)``: a history-tracked model and a ``Q`` on its
    fields. A record counts at a moment when its latest history row before that moment
    matches ``q`` and is not a deletion. One SQL statement for all specs (window functions,
    SQLite 3.25+ and PostgreSQL); returns ``{name: [count per moment]}``.
    """
    adapt = connection.ops.adapt_datetimefield_value
    cases = ", ".join(
        "COALESCE(SUM(CASE WHEN t.history_date < %s AND (t.valid_until IS NULL OR "
        "t.valid_until >= %s) AND t.history_type <> '-' AND t.matches = 1 THEN 1 ELSE 0 END), 0)"
        for _ in moments
    )
    case_params = [adapt(moment) for moment in moments for _ in (0, 1)]
    statements, params = [], []
    for name, (model, q) in specs.items():
        rows = model.history.model.objects.order_by().annotate(
            matches=Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField()),
            valid_until=Window(
                Lead("history_date"),
                partition_by=[F("id")],
                order_by=[F("history_date").asc(), F("history_id").asc()],
            ),
        )
        inner_sql, inner_params = rows.values(
            "history_date", "history_type", "matches", "valid_until"
        ).query.sql_with_params()
        # Placeholders in order: the series name, the month sums, then the inner query.
        statements.append(f"SELECT CAST(%s AS VARCHAR(40)) AS series, {cases} FROM ({inner_sql}) t")
        params.extend([name, *case_params, *inner_params])
    if not statements:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statements), params)
        return {row[0]: [int(v) for v in row[1:]] for row in cursor.fetchall()}
