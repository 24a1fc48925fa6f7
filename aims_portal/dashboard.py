"""Dashboard cards. Apps register the figures they own; the portal only lays them out, so
aims_portal never imports the apps that build on it.

Also here: ``monthly_counts``, which reads a trend (how many records met a condition at the
end of each month) from the simple-history tables in a single query.
"""

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, Value, When, Window
from django.db.models.functions import Lead
from django.utils import timezone

from . import roles
from .scopes import ORGANISATION_WIDE, scope_path, scoped_systems, within_scope

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
    # Buttons under the figures: (label, url) pairs, e.g. starting the work the card is about.
    actions: tuple = ()
    # Buttons that send a POST (label, url, {field: value}): requests that start a job.
    post_actions: tuple = ()

    @property
    def total(self):
        return sum(row.count for row in self.rows)

    @property
    def max_count(self):
        return max([row.count for row in self.rows] or [0])


@dataclass(frozen=True)
class Counted:
    """Figures a card needs: how many rows of ``queryset``, per value of ``fields`` (field
    names or expressions; none for a plain count)."""

    queryset: object
    fields: tuple = ()


def card(area, order=100, counts=None):
    """Register a dashboard card shown to users who may view ``area``.

    Without ``counts`` the card is ``func(user) -> Card``. With ``counts``, a function
    returning ``{name: Counted}``, it is ``func(user, figures) -> Card`` where
    ``figures[name]`` maps each tuple of field values (as text) to its count: the counts of
    every card are fetched together in one query, so cards add figures, not queries.

    Orders used so far: 10 systems, 12 readiness, 15 trend, 20-49 inventory, 50-69
    assessments, risks and audits, 62 reviews due, 70-89 controls, 900 integrity. Wide cards
    take two thirds of a row and narrow ones a third, so orders that pair them fill the
    rows. A card returns None
    to hide itself.
    """

    def register(func):
        _CARDS.append((order, area, func, counts))
        _CARDS.sort(key=lambda entry: entry[0])
        return func

    return register


_render_memo = ContextVar("dashboard_render_memo", default=None)


def once(key, compute):
    """``compute()`` once per dashboard rendering, shared by the cards that need it (e.g.
    the scoring method); outside a rendering, simply ``compute()``."""
    memo = _render_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _within_scope(spec, user):
    """The card's figure counted over what ``user`` may see (their scope)."""
    if getattr(spec.queryset.model, "area", None) is None:
        return spec
    return replace(spec, queryset=within_scope(spec.queryset, user))


def cards_for(user):
    visible = [entry for entry in _CARDS if roles.can(user, "view", entry[1])]
    token = _render_memo.set({})
    try:
        wanted = {}
        for _, _, func, counts in visible:
            if counts:
                prefix = f"{func.__module__}.{func.__qualname__}:"
                wanted.update(
                    {prefix + name: _within_scope(spec, user) for name, spec in counts().items()}
                )
        fetched = grouped_counts(wanted)
        cards = []
        for _, _, func, counts in visible:
            if counts:
                prefix = f"{func.__module__}.{func.__qualname__}:"
                figures = {
                    name[len(prefix) :]: value
                    for name, value in fetched.items()
                    if name.startswith(prefix)
                }
                cards.append(func(user, figures))
            else:
                cards.append(func(user))
    finally:
        _render_memo.reset(token)
    return [c for c in cards if c is not None]


# Between grouped values in one key; a control character no field holds.
KEY_SEPARATOR = "\x1f"
NULL_TEXT = "\x1e"


def grouped_counts(specs):
    """``{name: Counted}`` → ``{name: {(value as text or None, ...): count}}``, all in one
    statement: a UNION ALL of one GROUP BY per name, whose grouped values are joined into one
    text key after grouping (so per group, not per row). Names with no rows map to {}."""
    statements, params = [], []
    for name, spec in specs.items():
        aliases = {f"k{n}": F(f) if isinstance(f, str) else f for n, f in enumerate(spec.fields)}
        rows = spec.queryset.order_by()
        if aliases:
            rows = rows.values(**aliases)
        else:  # one row: the plain count
            rows = rows.annotate(k_none=Value(0)).values("k_none")
        # COUNT(*), not COUNT(pk): SQLite then counts index entries without decoding them.
        sql, inner = rows.annotate(figure_n=Count("*")).query.sql_with_params()
        if aliases:
            key = f" || '{KEY_SEPARATOR}' || ".join(
                f"COALESCE(CAST(t.{alias} AS VARCHAR(200)), '{NULL_TEXT}')" for alias in aliases
            )
        else:
            key = "''"
        statements.append(f"SELECT CAST(%s AS VARCHAR(200)), {key}, t.figure_n FROM ({sql}) t")
        params.extend([name, *inner])
    result = {name: {} for name in specs}
    if not statements:
        return result
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statements), params)
        for name, key, n in cursor.fetchall():
            if specs[name].fields:
                values = tuple(None if v == NULL_TEXT else v for v in key.split(KEY_SEPARATOR))
            else:
                values = ()
            result[name][values] = result[name].get(values, 0) + n
    return result


def total(bucket):
    """The sum of one ``grouped_counts`` entry (the plain count when it has no fields)."""
    return sum(bucket.values())


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


# Month-end values before the current month cannot change (history is append-only), so they
# are kept; the current value comes from the live tables with the other figures.
TREND_CACHE_SECONDS = 6 * 3600


def _first_recorded(specs):
    """When the earliest record of the trend's models was first saved, or None."""
    found = []
    for model in {model for model, _ in specs.values()}:
        first = (
            model.history.model.objects.order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
        if first is not None:
            found.append(first)
    return min(found) if found else None


def _trend_history(specs, past, user=None):
    """(counts at each past moment, when the first record was saved), kept together for
    TREND_CACHE_SECONDS: neither can change, as history only gains rows dated now.

    For a ``user`` limited to a scope, past months count only the records within it today
    (the same records as the live point); their figures are kept apart from everyone
    else's, keyed by the scope's systems."""
    fingerprint = repr(
        [(name, model._meta.label, str(q)) for name, (model, q) in sorted(specs.items())]
        + [moment.isoformat() for moment in past]
    )
    systems = scoped_systems(user)
    if systems is not None:
        fingerprint += repr(sorted(systems))
        specs = {
            name: (model, q)
            if scope_path(model) is ORGANISATION_WIDE
            else (model, q & Q(id__in=within_scope(model._base_manager.all(), user).values("pk")))
            for name, (model, q) in specs.items()
        }
    key = "aims:trend:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = (monthly_counts(specs, past), _first_recorded(specs))
        cache.set(key, found, TREND_CACHE_SECONDS)
    return found


def trend_values(specs, moments, current, user=None):
    """``{name: [count at each of moments[:-1]] + [current[name]]}``: past month ends from
    history (``monthly_counts``, kept for TREND_CACHE_SECONDS), the last point live."""
    history, _ = _trend_history(specs, moments[:-1], user)
    return {name: [*history[name], current[name]] for name in specs}


def trend_start(specs, moments, user=None):
    """Index of the first of ``moments`` worth drawing: the first month end after the
    earliest record, so a trend starts where records start instead of with months of
    zeros; the last two points are always drawn."""
    _, first = _trend_history(specs, moments[:-1], user)
    last = max(len(moments) - 2, 0)
    if first is None:
        return last
    return min(next((i for i, m in enumerate(moments) if m > first), last), last)
