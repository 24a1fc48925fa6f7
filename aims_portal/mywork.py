""" "My work": what waits for one user, gathered from every app.

A ``WorkSource`` gives, for a user, querysets of records waiting for them and says what to
do with each one and where. The core adds one source: approvals waiting for the user (every
record type whose workflow has a four-eyes approval step, in the statuses that step starts
from, that the user may approve and took no visible part in). Apps add theirs with
``owned_due`` (records the user owns with a date coming up) or ``register`` (anything
else: actions assigned, acknowledgements and trainings due).

Rules enforced here: a user sees only records of areas they may view; the page runs a fixed
number of queries (one per queryset, each with its list's select_related) and the header's
count is one query, whatever the number of records.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.text import capfirst

from . import roles
from .record_registry import record_type_for, registered_types

LIMIT = 50  # items shown per group
BADGE_CAP = 99  # the header's count stops here ("99+")


@dataclass(frozen=True)
class WorkItem:
    record: object
    step: str  # what to do, e.g. "Approve or return"
    url: str
    due: date | None = None

    @property
    def kind(self):
        return capfirst(self.record._meta.verbose_name)

    @property
    def overdue(self):
        return self.due is not None and self.due < timezone.localdate()


@dataclass(frozen=True)
class WorkSource:
    key: str
    label: str
    querysets: Callable  # user -> list of querysets (records)
    item: Callable  # record -> WorkItem
    order: int = 100


_SOURCES: list[WorkSource] = []


def register(source: WorkSource) -> WorkSource:
    _SOURCES.append(source)
    _SOURCES.sort(key=lambda s: s.order)
    return source


def _queryset(model):
    rt = record_type_for(model)
    return rt.queryset() if rt else model.objects.all()


def owned_due(
    model,
    *,
    key: str,
    label: str,
    date_field: str,
    step: str,
    open_filter: Q = Q(),  # noqa: B008  (an empty condition, never mutated)
    within_days: int = 30,
    anchor: str = "",
    order: int = 100,
):
    """Records of ``model`` the user owns (its ``owner_field``) whose ``date_field`` falls
    within ``within_days`` (or has passed), soonest first."""

    def querysets(user):
        if not roles.can(user, "view", model.area):
            return []
        horizon = timezone.localdate() + timedelta(days=within_days)
        return [
            _queryset(model)
            .filter(open_filter, **{model.owner_field: user, f"{date_field}__lte": horizon})
            .order_by(date_field, "pk")
        ]

    def item(record):
        return WorkItem(
            record, step, record.get_absolute_url() + anchor, getattr(record, date_field)
        )

    return register(WorkSource(key, label, querysets, item, order))


def _approval_querysets(user):
    found = []
    for rt in registered_types():
        workflow = rt.workflow
        if workflow is None or not roles.can(user, "approve", rt.area):
            continue
        waiting = workflow.waiting_statuses()
        if not waiting:
            continue
        queryset = rt.queryset().filter(**{f"{workflow.status_field}__in": waiting})
        for name in (workflow.submitter_field, *workflow.party_fields, rt.model.owner_field):
            field = _concrete(rt.model, name)
            if field is not None:
                queryset = queryset.exclude(**{field: user})
        found.append(queryset.order_by("updated_at", "pk"))
    return found


def _concrete(model, name):
    if not name:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # a property (owner read through the system), not a column
        return None
    return name if field.concrete else None


register(
    WorkSource(
        "approvals",
        "Approvals waiting for you",
        _approval_querysets,
        lambda record: WorkItem(record, "Approve or return", record.get_absolute_url() + "#steps"),
        order=10,
    )
)


def groups_for(user) -> list[dict]:
    """The user's work, by source: ``{"source", "items", "more"}`` for each non-empty one."""
    groups = []
    for source in _SOURCES:
        items, total_more = [], False
        for queryset in source.querysets(user):
            rows = list(queryset[: LIMIT + 1])
            total_more = total_more or len(rows) > LIMIT
            items.extend(source.item(record) for record in rows[:LIMIT])
        if items:
            groups.append({"source": source, "items": items, "more": total_more})
    return groups


def count_for(user, cap: int = BADGE_CAP) -> int:
    """How many items wait for the user, in one query (the header's badge), counted up to
    ``cap + 1``: the badge then reads "99+", and a user with thousands of records waiting
    does not make every page count them all."""
    querysets = [qs for source in _SOURCES for qs in source.querysets(user)]
    if not querysets:
        return 0
    if connection.features.supports_slicing_ordering_in_compound:
        # Each source's first cap + 1 rows, the LIMIT inside the UNION: every part stops
        # reading there.
        ids = [qs.order_by().values_list(Value(1))[: cap + 1] for qs in querysets]
    else:
        # SQLite refuses a LIMIT directly inside a UNION: an IN over a limited subquery,
        # which reads the whole table around it.
        ids = [
            qs.model._base_manager.filter(pk__in=qs.order_by().values("pk")[: cap + 1])
            .order_by()
            .values_list(Value(1))
            for qs in querysets
        ]
    return min(ids[0].union(*ids[1:], all=True).count(), cap + 1)
