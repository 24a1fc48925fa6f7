"""Reads of the ledger: the chain in chunks, the rows it covers, what it does not cover.

Covered rows are history rows of every model and the rows of every ledgered model
(``coverage.register``); both are read the same way.
"""

import json
from functools import cache

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Exists, OuterRef
from simple_history.models import HistoricalChanges

from .. import roles
from . import coverage
from .canonical import canonical_row, row_spec
from .models import Checkpoint, EvidenceBundle, LedgerEntry, VerificationRun
from .verify_bundle import content_hash

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
def historical_models():
    """Every history table in the portal (simple-history models, m2m ones included)."""
    return tuple(
        sorted(
            (m for m in apps.get_models() if issubclass(m, HistoricalChanges)),
            key=lambda m: m._meta.label_lower,
        )
    )


def covered_models():
    """Every table whose rows the ledger covers: history tables, then ledgered models."""
    return historical_models() + tuple(m.model for m in coverage.ledgered_models())


def model_area(historical_model):
    """The roles-matrix area whose records a history table (or a ledgered model) holds."""
    registered = coverage.lookup(historical_model)
    if registered is not None:
        return registered.area
    base = getattr(historical_model, "instance_type", None)
    if base is not None and base._meta.auto_created:
        base = base._meta.auto_created  # m2m history: the area of the model with the link
    area = getattr(base, "area", None)
    if area is None and base is not None and base._meta.label_lower == "aims_portal.user":
        area = "administration"
    return area


def bundle_areas():
    """Areas one may export on their own: those with covered rows."""
    names = roles.matrix().areas
    present = {model_area(m) for m in covered_models()}
    return [(area, label) for area, label in names.items() if area in present]


def models_for_area(area=""):
    return [m for m in covered_models() if not area or model_area(m) == area]


def head():
    """The last entry (sequence, entry_hash) or None for an empty ledger."""
    return LedgerEntry.objects.order_by("-sequence").values("sequence", "entry_hash").first()


def entry_chunks(chunk_size=5000, start_after=0, *, with_tree=False, using=None):
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


def resolve_model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


IDENTITY_TYPES = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.AutoField,
    models.BooleanField,
)


@cache
def _postgresql_select(model):
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


def _canonical_rows_postgresql(model, ids):
    sql, names, pk_index, post = _postgresql_select(model)
    wanted = set(ids)
    found = {}
    with connection.cursor() as cursor:
        # A key range, not IN (...): ids of one chunk are nearly contiguous.
        cursor.execute(sql, [min(wanted), max(wanted)])
        for values in cursor.fetchall():
            pk = values[pk_index]
            if pk in wanted:
                found[pk] = {
                    name: value if convert is None or value is None else convert(value)
                    for name, convert, value in zip(names, post, values, strict=True)
                }
    return found


def canonical_rows(label, ids):
    """{id: canonical dict} for the rows of ``label`` with those primary keys."""
    model = resolve_model(label)
    if model is None or not ids:
        return {}
    if connection.vendor == "postgresql" and isinstance(model._meta.pk, IDENTITY_TYPES[2:4]):
        return _canonical_rows_postgresql(model, ids)
    names, _ = row_spec(model)
    pk_index = names.index(model._meta.pk.attname)
    rows = model._base_manager.filter(pk__in=ids).values_list(*names)
    return {values[pk_index]: canonical_row(model, values) for values in rows}


def row_hashes(label, ids):
    return {pk: content_hash(row) for pk, row in canonical_rows(label, ids).items()}


def uncovered(model):
    """Rows of a covered table that no ledger entry covers (inserted behind the portal)."""
    label = model._meta.label_lower
    covered = LedgerEntry.objects.filter(covered_model=label, covered_id=OuterRef("pk"))
    return (
        model._base_manager.annotate(in_ledger=Exists(covered))
        .filter(in_ledger=False)
        .order_by("pk")
    )


def uncovered_rows(limit):
    """Up to ``limit`` (label, pk) of rows that are in no ledger entry, table by table."""
    found = []
    for model in covered_models():
        if len(found) >= limit:
            break
        label = model._meta.label_lower
        pks = uncovered(model).values_list("pk", flat=True)[: limit - len(found)]
        found.extend((label, pk) for pk in pks)
    return found


def integrity_summary():
    """What the integrity page shows; a fixed number of queries whatever the ledger size."""
    return {
        "head": head(),
        "checkpoints": list(Checkpoint.objects.select_related("made_by")[:10]),
        "last_run": VerificationRun.objects.select_related("triggered_by").first(),
        "recent_entries": [describe(e) for e in LedgerEntry.objects.order_by("-sequence")[:8]],
    }


def describe(entry):
    """Give an entry a readable ``covers_label`` such as "supplier version"."""
    model = resolve_model(entry.covered_model)
    base = getattr(model, "instance_type", None)
    if entry.kind == LedgerEntry.Kind.HISTORY and base is not None:
        entry.covers_label = f"{base._meta.verbose_name} version"
    else:
        entry.covers_label = entry.get_kind_display()
    return entry


def bundles_for(user, limit=10):
    return list(
        EvidenceBundle.objects.filter(requested_by=user).select_related("requested_by")[:limit]
    )
