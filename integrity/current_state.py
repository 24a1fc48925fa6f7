"""Current state is verified: every live row equals its latest version.

The ledger proves that the history has not been changed; this module proves that the live
tables, which the pages show, still say what the history says. A database writer who runs
``UPDATE registry_aisystem SET risk_tier = 'low'`` changes no history row, so only this
comparison sees it.

Rules enforced here, for every model with django-simple-history (the custom User model
included, its fields kept out of history — password, last login — not compared):
- a live row equals its latest version (highest ``history_id`` of its id) in every field the
  history keeps, compared as canonical values (integrity.canonical), so that types,
  time zones and decimal places never raise a false alarm;
- its links (the model's ``_history_m2m_fields``) equal the link rows of that version. The
  latest version of a live record always has its links recorded: where link history started
  on a database that already held links, ``history_links.start_link_history`` gave every
  record a version with its links, so a version from before that start is never the latest
  one; where no link existed then, the earlier versions' empty link sets are exact;
- a live row with no version was inserted outside the portal; a live row whose latest
  version records a deletion was restored outside the portal; a record whose latest version
  is not a deletion but whose live row is gone was deleted outside the portal;
- fields a model lists in ``_history_unversioned_fields`` are written by the portal without
  a version on purpose (a token's last use, an export's progress) and are not compared.

Streaming: live rows and latest versions are read in primary-key chunks, with the same
number of queries for every chunk (2, plus 2 per link field; on PostgreSQL outside a
transaction also the statement that makes the chunk's reads one snapshot), so memory and
queries per row stay constant whatever the size of the tables.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial

from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.db.models.functions import Cast

from . import selectors
from .canonical import row_spec
from .labels import ledger_label
from .verify_current import (
    DELETION,
    deleted,
    field_changed,
    link_added,
    link_removed,
    no_version,
    record_label,
    restored,
    same_value,
)

# The field whose value names a record in messages, first match wins.
NAME_FIELDS = ("slug", "reference", "ref", "username", "number", "name", "title", "label")


@dataclass(frozen=True)
class LinkSpec:
    """One many-to-many field whose links every version keeps."""

    name: str
    through: type[models.Model]
    history: type[models.Model]  # simple-history's table of the links of each version
    source: str  # column naming the record, in the through table and in the history table
    target: str  # column naming the linked record
    target_label: str


@dataclass(frozen=True)
class ModelSpec:
    """What the check compares for one model."""

    history: type[models.Model]
    live: type[models.Model]
    label: str
    verbose_name: str
    pk: str
    fields: tuple[str, ...]  # attnames compared, the primary key first
    converters: tuple[Callable, ...]  # value as Django reads it -> canonical value
    from_db: tuple[Callable, ...]  # value as the database returns it -> canonical value
    datetimes: frozenset[str]  # compared fields holding date-times
    name_field: str | None
    links: tuple[LinkSpec, ...]


def tracked_history_models() -> list[type[models.Model]]:
    """History tables of records (not the link tables, which their record's check covers)."""
    return [m for m in selectors.historical_models() if not m.instance_type._meta.auto_created]


@cache
def model_spec(history: type[models.Model]) -> ModelSpec:
    live = history.instance_type
    skipped = set(getattr(live, "_history_unversioned_fields", ()))
    pk = live._meta.pk.attname
    kept = [f.attname for f in history.tracked_fields if f.attname != pk and f.name not in skipped]
    names, converters = row_spec(live)
    convert = dict(zip(names, converters, strict=True))
    fields = (pk, *kept)
    link_specs = []
    for name in getattr(live, "_history_m2m_fields", ()):
        field = live._meta.get_field(name)
        link_specs.append(
            LinkSpec(
                name=name,
                through=field.remote_field.through,
                history=getattr(history, name).model,
                source=field.m2m_column_name(),
                target=field.m2m_reverse_name(),
                target_label=str(field.related_model._meta.verbose_name),
            )
        )
    present = {f.name for f in live._meta.concrete_fields}
    by_attname = {f.attname: f for f in live._meta.concrete_fields}
    return ModelSpec(
        history=history,
        live=live,
        label=ledger_label(live),
        verbose_name=str(live._meta.verbose_name),
        pk=pk,
        fields=fields,
        converters=tuple(convert[n] for n in fields),
        from_db=tuple(_from_db(by_attname[n], convert[n]) for n in fields),
        datetimes=frozenset(n for n in fields if isinstance(by_attname[n], models.DateTimeField)),
        name_field=next((n for n in NAME_FIELDS if n in present and n in kept), None),
        links=tuple(link_specs),
    )


def _from_db(field: models.Field, convert: Callable) -> Callable:
    """Turn a value as the database returns it into its canonical value: Django's converters
    for the field (the backend's, then the field's own), then the canonical one."""
    expression = field.get_col(field.model._meta.db_table)

    def run(value):
        for converter in [
            *connection.ops.get_db_converters(expression),
            *field.get_db_converters(connection),
        ]:
            value = converter(value, expression, connection)
        return None if value is None else convert(value)

    return run


def _raw(queryset) -> list[tuple]:
    """The rows of a ``values_list`` queryset as the database returns them: Django's per-value
    converters (a date parsed from text on SQLite, JSON decoded) cost more than the whole
    comparison, and rows that are equal as stored need none of them."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _selected(spec: ModelSpec) -> list:
    """``values_list`` arguments for the compared fields. PostgreSQL date-times come as text
    in the session's time zone (UTC): equal instants give equal text, and psycopg's parsing
    of date-times in Python would cost more than the rest of the check. The canonical
    converter parses that text when a value differs."""
    if connection.vendor != "postgresql":
        return list(spec.fields)
    return [
        Cast(name, output_field=models.TextField()) if name in spec.datetimes else name
        for name in spec.fields
    ]


def canonical(spec: ModelSpec, values) -> dict:
    """The compared fields of a row (values in ``spec.fields`` order) as canonical values."""
    return {
        name: None if value is None else convert(value)
        for name, convert, value in zip(spec.fields, spec.converters, values, strict=True)
    }


def name_of(spec: ModelSpec, values) -> str:
    """ "AI system #12 (support-assistant)" from a row's values as the database returns them."""
    if spec.name_field is None:
        return record_label(spec.verbose_name, values[0])
    index = spec.fields.index(spec.name_field)
    return record_label(spec.verbose_name, values[0], spec.from_db[index](values[index]))


@dataclass
class CurrentStateStats:
    models: int = 0
    rows: int = 0  # live rows compared with a version
    records: int = 0  # live rows plus records known only from their history
    links: int = 0  # live link rows compared
    chunks: int = 0
    problems: int = 0
    seconds: float = 0.0


def _id_range(field: str, after, upto) -> Q:
    q = Q()
    if after is not None:
        q &= Q(**{f"{field}__gt": after})
    if upto is not None:
        q &= Q(**{f"{field}__lte": upto})
    return q


def _latest_versions(spec: ModelSpec, after, limit: int) -> list[tuple]:
    """(history_id, history_type, *fields) of the latest version of the next ``limit``
    record ids after ``after``, in id order; one query."""
    history = spec.history._base_manager
    latest = (
        history.filter(_id_range(spec.pk, after, None))
        .values(spec.pk)
        .annotate(latest=Max("history_id"))
        .order_by(spec.pk)
        .values("latest")[:limit]
    )
    return _raw(
        history.filter(history_id__in=latest)
        .order_by(spec.pk)
        .values_list("history_id", "history_type", *_selected(spec))
    )


@contextmanager
def _one_snapshot():
    """Reads of one chunk from one snapshot, so that a save committed between the read of a
    live row and that of its version is never taken for tampering: a REPEATABLE READ
    transaction on PostgreSQL (unless the caller already holds a transaction, whose reads
    then decide). SQLite serves a statement at a time; a save racing the check there can
    show up as a difference that a second run no longer finds."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _chunks(spec: ModelSpec, chunk_size: int) -> Iterator[tuple[list, list, list]]:
    """(live rows, latest versions, [(link, live links, kept links)]) of consecutive id
    ranges, each read from one snapshot."""
    live = spec.live._base_manager
    after = None
    while True:
        with _one_snapshot():
            rows = _raw(
                live.filter(_id_range(spec.pk, after, None))
                .order_by(spec.pk)
                .values_list(*_selected(spec))[:chunk_size]
            )
            versions = _latest_versions(spec, after, chunk_size)
            # The range ends where the shorter-reaching full list ends; what lies beyond it
            # is read again with the next range.
            ends = [r[0] for r in rows[-1:] if len(rows) == chunk_size]
            ends += [v[2] for v in versions[-1:] if len(versions) == chunk_size]
            upto = min(ends) if ends else None
            if upto is not None:
                rows = [r for r in rows if r[0] <= upto]
                versions = [v for v in versions if v[2] <= upto]
            kept_ids = [v[0] for v in versions if v[1] != DELETION]
            links = [(link, *_links(link, after, upto, kept_ids)) for link in spec.links]
        yield rows, versions, links
        if upto is None:
            return
        after = upto


def _links(link: LinkSpec, after, upto, history_ids) -> tuple[dict, dict]:
    """({record id: live linked ids}, {history_id: linked ids of that version})."""
    live: dict = {}
    for source, target in _raw(
        link.through._base_manager.filter(_id_range(link.source, after, upto)).values_list(
            link.source, link.target
        )
    ):
        live.setdefault(source, set()).add(target)
    recorded: dict = {}
    if history_ids:
        for history_id, target in _raw(
            link.history._base_manager.filter(history_id__in=history_ids).values_list(
                "history_id", link.target
            )
        ):
            recorded.setdefault(history_id, set()).add(target)
    return live, recorded


def _compare_fields(spec: ModelSpec, row, version, record, report) -> int:
    """Report the fields where the live row and its version differ as canonical values;
    values the database returns equal, of one type, are the same without converting."""
    found = 0
    for index in range(1, len(spec.fields)):
        live, kept = row[index], version[index + 2]
        if type(live) is type(kept) and live == kept and type(live) not in (dict, list):
            continue
        convert = spec.from_db[index]
        live, kept = convert(live), convert(kept)
        if not same_value(live, kept):
            name = spec.fields[index]
            report(field_changed(spec.label, row[0], record(), name, live, kept))
            found += 1
    return found


def check_model(
    history: type[models.Model],
    report: Callable[[dict], None],
    *,
    chunk_size: int = 2000,
    stats: CurrentStateStats | None = None,
) -> CurrentStateStats:
    """Compare the live rows of one history table's model with their latest versions."""
    spec = model_spec(history)
    stats = stats or CurrentStateStats()
    stats.models += 1
    for rows, versions, links in _chunks(spec, chunk_size):
        stats.chunks += 1
        latest = {v[2]: v for v in versions}
        live_ids = set()
        for row in rows:
            pk = row[0]
            live_ids.add(pk)
            stats.rows += 1
            record = partial(name_of, spec, row)
            version = latest.get(pk)
            if version is None:
                report(no_version(spec.label, pk, record()))
                stats.problems += 1
                continue
            if version[1] == DELETION:
                report(restored(spec.label, pk, record()))
                stats.problems += 1
                continue
            # Equal as stored, column by column (one comparison in C for the common case;
            # each column has one type in both tables, so == cannot confuse 1 and True).
            if row[1:] != version[3:]:
                stats.problems += _compare_fields(spec, row, version, record, report)
            for link, live_links, recorded in links:
                now = live_links.get(pk, set())
                kept = recorded.get(version[0], set())
                stats.links += len(now)
                if now == kept:
                    continue
                for target in sorted(now - kept):
                    report(
                        link_added(spec.label, pk, record(), link.name, link.target_label, target)
                    )
                for target in sorted(kept - now):
                    report(
                        link_removed(spec.label, pk, record(), link.name, link.target_label, target)
                    )
                stats.problems += len(now ^ kept)
        for pk, version in latest.items():
            if pk not in live_ids and version[1] != DELETION:
                report(deleted(spec.label, pk, name_of(spec, version[2:])))
                stats.problems += 1
        stats.records += len(live_ids | latest.keys())
    return stats


def check_current_state(
    report: Callable[[dict], None], *, chunk_size: int = 2000
) -> CurrentStateStats:
    """Compare every live row of every model with history with its latest version.

    ``report`` is called once per problem with ``{"kind": "changed" | "missing" |
    "inserted", "model": "app_label.model", "id": pk, "field": attname or None,
    "message": text}``. Returns the counts (models, rows, records, links, chunks, problems,
    seconds).
    """
    started = time.perf_counter()
    stats = CurrentStateStats()
    for history in tracked_history_models():
        check_model(history, report, chunk_size=chunk_size, stats=stats)
    stats.seconds = time.perf_counter() - started
    return stats
