"""Reads of the ledger: the chain in chunks, the rows it covers, what it does not cover.

Covered rows are history rows of every model and the rows of every ledgered model
(``coverage.register``); both are read the same way.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalChanges

from aims_portal import roles
from aims_portal.models import TrackedModel

from . import coverage, evolution
from .canonical import canonical_row, row_spec
from .labels import ledger_label, model_for
from .models import Checkpoint, EvidenceBundle, LedgerEntry, VerificationRun
from .verify_bundle import content_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
    from datetime import datetime

    from django.db.models import QuerySet

    from aims_portal.models import User

ModelClass = type[models.Model]
RowsById = dict[int, models.Model]

ENTRY_FIELDS = (
    "sequence",
    "kind",
    "covered_model",
    "covered_id",
    "content_hash",
    "prev_hash",
    "entry_hash",
)


@cache
def historical_models() -> tuple[ModelClass, ...]:
    """Every history table in the portal (simple-history models, m2m ones included)."""
    return tuple(
        sorted(
            (m for m in apps.get_models() if issubclass(m, HistoricalChanges)),
            key=ledger_label,
        )
    )


def covered_models() -> tuple[ModelClass, ...]:
    """Every table whose rows the ledger covers: history tables, then ledgered models."""
    return historical_models() + tuple(m.model for m in coverage.ledgered_models())


def model_area(historical_model: ModelClass) -> str | None:
    """The roles-matrix area whose records a history table (or a ledgered model) holds."""
    registered = coverage.lookup(historical_model)
    if registered is not None:
        return registered.area
    base = getattr(historical_model, "instance_type", None)
    if base is not None and base._meta.auto_created:
        base = base._meta.auto_created  # m2m history: the area of the model with the link
    area = getattr(base, "area", None)
    if area is None and base is not None and ledger_label(base) == "aims_portal.user":
        area = "administration"
    return area


def bundle_areas() -> list[tuple[str, str]]:
    """Areas one may export on their own: those with covered rows."""
    names = roles.matrix().areas
    present = {model_area(m) for m in covered_models()}
    return [(area, label) for area, label in names.items() if area in present]


def models_for_area(area: str = "") -> list[ModelClass]:
    return [m for m in covered_models() if not area or model_area(m) == area]


def head() -> dict[str, Any] | None:
    """The last entry (sequence, entry_hash) or None for an empty ledger."""
    return LedgerEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()


def entry_chunks(
    chunk_size: int = 5000,
    start_after: int = 0,
    *,
    with_tree: bool = False,
    using: str | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The ledger as lists of entry dicts in sequence order, one query per chunk (raw SQL:
    at a million entries the ORM's per-row cost would dominate). ``with_tree`` adds each
    entry's stored ``tree_nodes`` (bytes)."""
    fields = (*ENTRY_FIELDS, "tree_nodes") if with_tree else ENTRY_FIELDS
    sql = (
        f"SELECT {', '.join(fields)} FROM {LedgerEntry._meta.db_table} "
        "WHERE sequence > %s ORDER BY sequence LIMIT %s"
    )
    last = start_after
    with connections[using or DEFAULT_DB_ALIAS].cursor() as cursor:
        while True:
            cursor.execute(sql, [last, chunk_size])
            chunk = [dict(zip(fields, row, strict=True)) for row in cursor.fetchall()]
            if not chunk:
                return
            yield chunk
            last = chunk[-1]["sequence"]


def resolve_model(label: str) -> ModelClass | None:
    """The model a ledger label names, or None."""
    return model_for(label)


IDENTITY_TYPES = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.AutoField,
    models.BooleanField,
)


@cache
def _postgresql_select(
    model: ModelClass,
) -> tuple[str, tuple[str, ...], int, tuple[Callable[[Any], Any] | None, ...]]:
    """SELECT that has PostgreSQL format dates and datetimes canonically, and the per-column
    conversion left for Python (None where the database value is already canonical)."""
    names, converters = row_spec(model)
    quote = connection.ops.quote_name
    exprs, post = [], []
    for field, convert in zip(model._meta.concrete_fields, converters, strict=True):
        column = quote(field.column)
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        if isinstance(target, models.DateTimeField):
            exprs.append(f"to_char({column} AT TIME ZONE 'UTC', {DATETIME_FORMAT})")
            post.append(None)
        elif isinstance(target, models.DateField):
            exprs.append(f"to_char({column}, 'YYYY-MM-DD')")
            post.append(None)
        elif isinstance(target, models.JSONField):
            exprs.append(f"{column}::text")
            post.append(json.loads)
        else:
            exprs.append(column)
            post.append(None if isinstance(target, IDENTITY_TYPES) else convert)
    sql = (
        f"SELECT {', '.join(exprs)} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} BETWEEN %s AND %s"
    )
    return sql, names, names.index(model._meta.pk.attname), tuple(post)


DATETIME_FORMAT = '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\''


def _canonical_rows_postgresql(model: ModelClass, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    sql, names, pk_index, post = _postgresql_select(model)
    # Most columns come out of PostgreSQL already canonical: convert only the others
    # (building each dict with zip is several times cheaper than a per-column test).
    converted = [(i, name, post[i]) for i, name in enumerate(names) if post[i] is not None]
    wanted = set(ids)
    found = {}
    with connection.cursor() as cursor:
        # A key range, not IN (...): ids of one chunk are nearly contiguous.
        cursor.execute(sql, [min(wanted), max(wanted)])
        for values in cursor.fetchall():
            pk = values[pk_index]
            if pk in wanted:
                row = dict(zip(names, values, strict=True))
                for i, name, convert in converted:
                    if values[i] is not None:
                        row[name] = convert(values[i])
                found[pk] = row
    return found


def canonical_rows(label: str, ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """{id: canonical dict} for the rows of ``label`` with those primary keys, with the
    kept values of fields removed since (``evolution.with_retired``)."""
    model = resolve_model(label)
    if model is None or not ids:
        return {}
    if connection.vendor == "postgresql" and isinstance(model._meta.pk, IDENTITY_TYPES[2:4]):
        return evolution.with_retired(label, _canonical_rows_postgresql(model, ids))
    names, _ = row_spec(model)
    pk_index = names.index(model._meta.pk.attname)
    rows = model._base_manager.filter(pk__in=ids).values_list(*names)
    found = {values[pk_index]: canonical_row(model, values) for values in rows}
    return evolution.with_retired(label, found)


def row_hashes(label: str, expected: dict[int, str]) -> dict[int, str]:
    """{id: content hash} of the rows of ``label`` in ``expected`` ({id: the hash its entry
    holds}): each row hashed in the form its entry was made from when a declared schema
    change explains the difference (``evolution.hashed_form``)."""
    if not evolution.added_epochs(label):
        return {pk: content_hash(row) for pk, row in canonical_rows(label, list(expected)).items()}
    return {
        pk: evolution.row_hash(label, row, expected[pk])
        for pk, row in canonical_rows(label, list(expected)).items()
    }


def uncovered(model: ModelClass) -> QuerySet[models.Model]:
    """Rows of a covered table that no ledger entry covers (inserted behind the portal)."""
    label = ledger_label(model)
    covered = LedgerEntry.objects.filter(covered_model=label, covered_id=OuterRef("pk"))
    return (
        model._base_manager.annotate(in_ledger=Exists(covered))
        .filter(in_ledger=False)
        .order_by("pk")
    )


def uncovered_rows(limit: int) -> list[tuple[str, int]]:
    """Up to ``limit`` (label, pk) of rows that are in no ledger entry, table by table."""
    found = []
    for model in covered_models():
        if len(found) >= limit:
            break
        label = ledger_label(model)
        pks = uncovered(model).values_list("pk", flat=True)[: limit - len(found)]
        found.extend((label, pk) for pk in pks)
    return found


def integrity_summary() -> dict[str, Any]:
    """What the integrity page shows; a fixed number of queries whatever the ledger size
    (one per kind of row among the latest entries)."""
    latest = list(LedgerEntry.objects.order_by("-sequence")[:RECENT_ENTRIES])
    return {
        "head": head(),
        "checkpoints": list(Checkpoint.objects.select_related("made_by")[:10]),
        "last_run": VerificationRun.objects.select_related("triggered_by").first(),
        "recent_groups": entry_groups(latest),
    }


def bundles_for(user: User, limit: int = 10) -> list[EvidenceBundle]:
    return list(
        EvidenceBundle.objects.filter(requested_by=user).select_related("requested_by")[:limit]
    )


# ---------------------------------------------------------------------------------------
# The ledger in words: entries described as the record versions and attestations they
# cover, link rows and unchanged sign-in rows grouped under the version they belong to.
# Names are read in bulk: one query per kind of row on the page (two for user rows).
# ---------------------------------------------------------------------------------------

RECENT_ENTRIES = 8
PAGE_SIZE = 50
# The first of these a record has names it on the ledger pages ("Risk RISK-007").
NAME_FIELDS = ("reference", "ref", "slug", "username", "name", "title", "label", "summary")
HISTORY_BOOKKEEPING = {"history_id", "history_date", "history_change_reason", "history_type"}
HISTORY_BOOKKEEPING |= {"history_user", "history_user_id"}


@dataclass
class EntryLine:
    """One ledger entry in words, with where to see what it covers."""

    entry: LedgerEntry
    text: str
    url: str = ""

    @property
    def leaf_index(self) -> int:
        return self.entry.sequence - 1


@dataclass
class EntryGroup:
    """A record version (or an attestation) and the entries that belong to it: the rows of
    its links and the unchanged saves (sign-ins) that repeat it. ``line`` is the version's
    own entry when it is on the page; ``text``/``url`` describe the version either way."""

    text: str
    url: str = ""
    line: EntryLine | None = None
    members: list[EntryLine] = dataclasses.field(default_factory=list)

    @property
    def first_sequence(self) -> int:
        lines = ([self.line] if self.line else []) + self.members
        return max(line.entry.sequence for line in lines)


def _link_parent(model: ModelClass) -> ModelClass | None:
    """The history model whose versions a link-history model (m2m history) belongs to."""
    try:
        parent = model._meta.get_field("history")
    except FieldDoesNotExist:
        return None
    return parent.related_model if isinstance(parent, models.ForeignKey) else None


def record_name(model: ModelClass, row: models.Model) -> str:
    """A short name of a record from the values of one of its versions, without queries:
    its reference, slug or name; a user's full name; else its id."""
    if ledger_label(model) == "aims_portal.user":
        full = f"{row.first_name} {row.last_name}".strip()
        return full or row.username
    for name in NAME_FIELDS:
        value = getattr(row, name, None) if _has_field(model, name) else None
        if value:
            return str(value)
    return f"#{row.id}"


def _has_field(model: ModelClass, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _when(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), "j M Y H:i")


def version_url(record_model: ModelClass, row: models.Model) -> str:
    """The history page of the record, opened at this version; blank for records that
    have no history page (users)."""
    if not issubclass(record_model, TrackedModel):
        return ""
    opts = record_model._meta
    url = reverse("record-history", args=[opts.app_label, opts.model_name, row.id])
    return f"{url}?version={row.history_id}#version-{row.history_id}"


def version_text(record_model: ModelClass, row: models.Model) -> str:
    """ "Risk RISK-007, version 4, by Grace Lead, 4 Dec 2026 10:02"."""
    what = f"{capfirst(record_model._meta.verbose_name)} {record_name(record_model, row)}"
    parts = [what]
    if row.history_type == "-":
        parts.append("deleted")
    elif getattr(row, "version", None) is not None:
        parts.append(f"version {row.version}" + (" (created)" if row.history_type == "+" else ""))
    else:
        parts.append("created" if row.history_type == "+" else "saved")
    parts.append(f"by {row.history_user}" if row.history_user_id else "by the system")
    parts.append(_when(row.history_date))
    return ", ".join(parts)


def _versions(model: ModelClass, ids: Iterable[int]) -> RowsById:
    """{history_id: row} of a history model, with who made each version (one query)."""
    return model._base_manager.select_related("history_user").in_bulk(ids)


def _unchanged_saves(model: ModelClass, rows: RowsById) -> RowsById:
    """{history_id: version repeated} of the rows that repeat the version before them
    field for field (for users: a sign-in, which only moves the unversioned last login).
    Two queries whatever the number of rows."""
    changed = [row for row in rows.values() if row.history_type == "~"]
    if not changed:
        return {}
    earlier = model._base_manager.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    previous = dict(
        model._base_manager.filter(history_id__in=[row.history_id for row in changed])
        .annotate(previous=Subquery(earlier.order_by("-history_id").values("history_id")[:1]))
        .values_list("history_id", "previous")
    )
    before = model._base_manager.in_bulk([pk for pk in previous.values() if pk is not None])
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if f.name not in HISTORY_BOOKKEEPING and f.attname not in HISTORY_BOOKKEEPING
    ]
    same = {}
    for row in changed:
        old = before.get(previous.get(row.history_id))
        if old is not None and all(getattr(row, n) == getattr(old, n) for n in names):
            same[row.history_id] = old
    for history_id, old in same.items():  # successive sign-ins: group under the first version
        while old.history_id in same:
            old = same[old.history_id]
        same[history_id] = old
    return same


def entry_groups(entries: Sequence[LedgerEntry]) -> list[EntryGroup]:
    """The entries (newest first) in words, as groups: each record version with its link
    rows and the unchanged saves that repeat it, each attestation on its own. A bounded
    number of queries: one per kind of row among the entries (users: three)."""
    by_label = {}
    for entry in entries:
        by_label.setdefault(entry.covered_model, []).append(entry.covered_id)
    models_of = {label: resolve_model(label) for label in by_label}
    # Link rows first: the versions they belong to are read with the page's own versions.
    links, wanted = {}, {label: set(ids) for label, ids in by_label.items()}
    for label, model in list(models_of.items()):
        parent = _link_parent(model) if model is not None else None
        if parent is None:
            continue
        target = _link_target(model)
        rows = model._base_manager.select_related(target).in_bulk(by_label[label])
        links[label] = (parent, target, rows)
        parent_label = ledger_label(parent)
        wanted.setdefault(parent_label, set()).update(r.history_id for r in rows.values())
        models_of.setdefault(parent_label, parent)
    versions, unchanged = {}, {}
    for label, ids in wanted.items():
        model = models_of.get(label)
        if model is None or label in links or not issubclass(model, HistoricalChanges):
            continue
        versions[label] = _versions(model, ids)
        if ledger_label(model) == "aims_portal.historicaluser":
            unchanged[label] = _unchanged_saves(model, versions[label])
    ledgered = {
        label: _ledgered_rows(models_of[label], ids)
        for label, ids in by_label.items()
        if models_of[label] is not None and coverage.lookup(models_of[label]) is not None
    }
    groups = {}
    for entry in entries:
        key, line, group = _describe(entry, models_of, links, versions, unchanged, ledgered)
        current = groups.get(key)
        if current is None:
            groups[key] = current = group
        if line is not None and key == ("entry", entry.sequence):
            continue
        if line is not None and current.line is None and key[1:] == _own_key(entry):
            current.line = line
        elif line is not None:
            current.members.append(line)
    return sorted(groups.values(), key=lambda g: -g.first_sequence)


def _own_key(entry: LedgerEntry) -> tuple[str, int]:
    return (entry.covered_model, entry.covered_id)


def _link_target(model: ModelClass) -> str | None:
    """The field of a link-history row that names the linked record (not its owner)."""
    owner = _link_parent(model).instance_type
    for f in model._meta.concrete_fields:
        if (
            isinstance(f, models.ForeignKey)
            and f.name != "history"
            and f.related_model is not owner
        ):
            return f.name
    return None


def _ledgered_rows(model: ModelClass, ids: Iterable[int]) -> RowsById:
    """{pk: row} of a ledgered model; attestations with their system and model version."""
    related = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.name in ("system", "model_version")
    ]
    return model._base_manager.select_related(*related).in_bulk(ids)


def _attestation_text(row: models.Model) -> str:
    system = getattr(row.system, "slug", None) or row.system
    return f"Attestation of {system} (model {row.model_version.label}), {_when(row.recorded_at)}"


def _describe(
    entry: LedgerEntry,
    models_of: dict[str, ModelClass | None],
    links: dict[str, tuple[ModelClass, str | None, RowsById]],
    versions: dict[str, RowsById],
    unchanged: dict[str, RowsById],
    ledgered: dict[str, RowsById],
) -> tuple[tuple[str | int, ...], EntryLine | None, EntryGroup]:
    """(group key, line, group) of one entry; the group describes the version it belongs
    to (made fresh: the caller keeps the first one per key)."""
    label, pk = entry.covered_model, entry.covered_id
    model = models_of.get(label)
    if label in links:
        parent, target, rows = links[label]
        link = rows.get(pk)
        if link is not None:
            parent_label = ledger_label(parent)
            version = versions.get(parent_label, {}).get(link.history_id)
            linked = getattr(link, target) if target else None
            name = model._meta.get_field(target).related_model._meta.verbose_name if target else ""
            text = f"Link to {name} {linked}" if linked is not None else "Link to a deleted record"
            line = EntryLine(entry, text)
            if version is not None:
                record = parent.instance_type
                group = EntryGroup(version_text(record, version), version_url(record, version))
                return ("version", parent_label, link.history_id), line, group
    elif label in versions and pk in versions[label]:
        row = versions[label][pk]
        record = model.instance_type
        repeated = unchanged.get(label, {}).get(pk)
        if repeated is not None:
            who = record_name(record, row)
            line = EntryLine(
                entry, f"Sign-in or unchanged save of {who}, {_when(row.history_date)}"
            )
            group = EntryGroup(version_text(record, repeated), version_url(record, repeated))
            return ("version", label, repeated.history_id), line, group
        text, url = version_text(record, row), version_url(record, row)
        return ("version", label, pk), EntryLine(entry, text, url), EntryGroup(text, url)
    elif label in ledgered and pk in ledgered[label]:
        row = ledgered[label][pk]
        text = _attestation_text(row) if hasattr(row, "model_version") else str(row)
        url = row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
        return ("version", label, pk), EntryLine(entry, text, url), EntryGroup(text, url)
    # The covered row is gone or unreadable: say so plainly (verification reports why).
    what = model._meta.verbose_name if model is not None else label
    text = f"{capfirst(what)} #{pk} (row not found)"
    return ("entry", entry.sequence), None, EntryGroup(text, line=EntryLine(entry, text))


@dataclass
class EntryPage:
    """One page of the ledger, newest first, addressed by sequence numbers (keyset
    pagination: the same cost on the first page and the millionth)."""

    groups: list[EntryGroup]
    newer_than: int | None  # link to the page of entries after this sequence
    older_than: int | None  # link to the page of entries before this sequence


def record_types() -> list[tuple[str, str]]:
    """(label, name) of every record type whose rows the ledger covers, for the filter."""
    found = {}
    for model in covered_models():
        base = getattr(model, "instance_type", None)
        if base is not None and _link_parent(model) is None:
            found[ledger_label(base)] = capfirst(base._meta.verbose_name)
        elif base is None:
            found[ledger_label(model)] = capfirst(model._meta.verbose_name)
    return sorted(found.items(), key=lambda item: str(item[1]).casefold())


def _covering(record_label: str, record_id: int | None = None) -> models.Q | None:
    """The ledger entries that cover one record type (its versions and their link rows, or
    its ledgered rows), or one record of it; None for an unknown type."""
    base = resolve_model(record_label)
    if base is None or record_label not in dict(record_types()):
        return None
    if coverage.lookup(base) is not None:
        condition = models.Q(covered_model=record_label)
        return condition & models.Q(covered_id=record_id) if record_id else condition
    condition, history = models.Q(pk__in=[]), None
    for model in historical_models():
        if getattr(model, "instance_type", None) is base:
            ids = model._base_manager.filter(id=record_id) if record_id else None
            history = model
        elif _link_parent(model) is not None and _link_parent(model).instance_type is base:
            ids = model._base_manager.filter(history__id=record_id) if record_id else None
        else:
            continue
        clause = models.Q(covered_model=ledger_label(model))
        if ids is not None:
            clause &= models.Q(covered_id__in=ids.values(model._meta.pk.name))
        condition |= clause
    return condition if history else None


def entry_page(
    *,
    record_label: str = "",
    record_id: int | None = None,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> EntryPage:
    """A page of entries in words, newest first: those before sequence ``before`` (older),
    or after ``after`` (newer), or the newest. Optionally only those covering one record
    type (``record_label`` as in ``record_types``) or one record of it. A fixed number of
    queries: the entries, then one per kind of row among them."""
    entries = LedgerEntry.objects.all()
    if record_label:
        condition = _covering(record_label, record_id)
        if condition is None:
            return EntryPage([], None, None)
        entries = entries.filter(condition)
    if after is not None:
        rows = list(entries.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        more_newer, rows = len(rows) > size, rows[:size][::-1]
        more_older = bool(rows)
    else:
        if before is not None:
            entries = entries.filter(sequence__lt=before)
        rows = list(entries.order_by("-sequence")[: size + 1])
        more_older, rows = len(rows) > size, rows[:size]
        more_newer = before is not None and bool(rows)
    return EntryPage(
        entry_groups(rows),
        newer_than=rows[0].sequence if rows and more_newer else None,
        older_than=rows[-1].sequence if rows and more_older else None,
    )
