"""Inserting many rows of one append-only, ledgered model with their ledger entries.

Rules enforced here:
- the rows and their entries are written in the caller's transaction, under the one ledger
  lock of ``services._append``, so they commit or vanish together;
- each entry hashes the row exactly as it is inserted: on PostgreSQL the canonical dicts
  themselves are what the database parses (one JSON document, ids allocated first), so the
  bytes hashed are the bytes stored; elsewhere the rows go through ``bulk_create``;
- a constant number of queries per batch, whatever its size (on PostgreSQL: ids, insert,
  and the four of an append);
- history rows a data migration writes in bulk (``aims_portal.history_links``) are chained
  by ``chain_history_rows``, which the app connects to that module when it is ready.
"""

from django.db import connections, models, router

from . import services
from .canonical import canonical_instance
from .labels import ledger_label
from .migration_state import ledger_has_tree

# Field types whose canonical JSON value PostgreSQL reads back as the same value.
_DIRECT = (
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.DateTimeField,
    models.JSONField,
    models.BooleanField,
    models.ForeignKey,
)


def _record_type(field, connection) -> str:
    if not isinstance(field, _DIRECT):
        raise ValueError(f"{field} cannot be inserted from its canonical form")
    if isinstance(field, models.AutoField | models.BigAutoField):
        return "bigint"
    if isinstance(field, models.ForeignKey):
        return field.target_field.rel_db_type(connection)
    return field.db_type(connection)


def _next_ids(cursor, model, count: int) -> list[int]:
    """``count`` new primary keys from the table's own sequence, ascending (one query)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [model._meta.db_table, model._meta.pk.column, count],
    )
    return sorted(row[0] for row in cursor.fetchall())


def _insert_canonical(cursor, model, connection, encoded: list[bytes]) -> None:
    """One INSERT of the rows given as their canonical JSON (primary key included), read by
    jsonb_to_recordset: the bytes the ledger hashes are the document the database parses."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    record = ", ".join(f"{quote(f.attname)} {_record_type(f, connection)}" for f in fields)
    columns = ", ".join(quote(f.column) for f in fields)
    names = ", ".join(f"r.{quote(f.attname)}" for f in fields)
    cursor.execute(
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({record})",
        [(b"[" + b",".join(encoded) + b"]").decode()],
    )


def insert_and_append(kind: str, instances: list) -> tuple[list, list]:
    """Insert the unsaved ``instances`` (one model, no primary key yet) and append one
    ledger entry per row, in this order. Returns ([(sequence, entry hash)], [(canonical
    dict, content hash, canonical JSON)]) as ``services.append_many_hashed`` does; the
    instances come back saved, their ids ascending. Call it inside a transaction."""
    if not instances:
        return [], []
    model = type(instances[0])
    if any(type(i) is not model or i.pk is not None for i in instances):
        raise ValueError("insert_and_append takes unsaved rows of one model")
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_create(instances)
        hashed = services.rows_hashed([canonical_instance(i) for i in instances])
    else:
        with connection.cursor() as cursor:
            ids = _next_ids(cursor, model, len(instances))
            for instance, pk in zip(instances, ids, strict=True):
                instance.pk = pk
            hashed = services.rows_hashed([canonical_instance(i) for i in instances])
            _insert_canonical(cursor, model, connection, [encoded for _, _, encoded in hashed])
        for instance in instances:
            instance._state.adding, instance._state.db = False, using
    pks = [i.pk for i in instances]
    positions = services.append_hashed(kind, ledger_label(model), pks, hashed, using)
    return positions, hashed


def chain_history_rows(apps, rows, using):
    """Chain history rows a data migration wrote in bulk (``rows``: instances of one
    migration-state history model), in the migration's transaction, as the signal handlers
    do for rows the portal writes."""
    if not rows:
        return
    label = ledger_label(rows[0])
    rows = [(row.pk, canonical_instance(row)) for row in rows]
    services.append_rows("history", label, rows, using, with_tree=ledger_has_tree(apps))
