"""Link history: versions that keep a record's many-to-many links as well as its fields.

A model lists the fields in ``_history_m2m_fields`` (simple-history then keeps a table of
the links of every version) and names, in ``_history_links_start_reason``, the change reason
of the versions that :func:`start_link_history` writes when a database that already holds
links starts keeping them. Versions before those have no links recorded; the history pages
say so instead of showing none.
"""

# Change reason of the versions that start link history. Migrations wrote it into history
# rows: changing the text would stop those rows being recognised.
LINKS_START_REASON = (
    "Link history starts: the linked records are recorded from this version on "
    "(they were not versioned before)"
)


def _ledger_has_tree(apps):
    """Whether the ledger table has its Merkle tree column yet at this migration (aims_portal
    0006 adds it and builds the tree over every entry written before)."""
    try:
        entry = apps.get_model("aims_portal", "LedgerEntry")
    except LookupError:
        return False
    return any(field.name == "tree_nodes" for field in entry._meta.fields)


def start_link_history(
    apps, schema_editor, app_label, model_name, fields, reason=LINKS_START_REASON
):
    """A data migration's step: if any record of the model has a link in ``fields``, give
    every record one version holding the links it has now, marked with ``reason``.
    A database without such links needs nothing: its link history is complete from the start.

    Works on the migration-state models, so it stays valid when the models change later, and
    chains the new rows in the ledger in the migration's transaction, as the signal handlers do
    for rows the portal writes.
    """
    from django.utils import timezone

    from .ledger.canonical import canonical_instance
    from .ledger.services import append_rows

    using = schema_editor.connection.alias
    model = apps.get_model(app_label, model_name)
    history_model = apps.get_model(app_label, f"Historical{model_name}")
    m2m = {name: model._meta.get_field(name) for name in fields}
    if not any(f.remote_field.through.objects.using(using).exists() for f in m2m.values()):
        return
    now = timezone.now()
    kept = {f.attname for f in history_model._meta.concrete_fields}  # not the excluded ones
    names = [f.attname for f in model._meta.concrete_fields if f.attname in kept]
    versions = history_model.objects.using(using).bulk_create(
        history_model(
            **{name: getattr(record, name) for name in names},
            history_date=now,
            history_type="~",
            history_user_id=None,
            history_change_reason=reason,
        )
        for record in model.objects.using(using).order_by("pk")
    )
    history_id = {version.id: version.history_id for version in versions}
    saved = [versions]
    for name, field in m2m.items():
        through = field.remote_field.through
        source, target = field.m2m_column_name(), field.m2m_reverse_name()
        links_model = apps.get_model(app_label, f"Historical{model_name}_{name}")
        saved.append(
            links_model.objects.using(using).bulk_create(
                links_model(
                    id=link.pk,
                    history_id=history_id[getattr(link, source)],
                    **{source: getattr(link, source), target: getattr(link, target)},
                )
                for link in through.objects.using(using).order_by("pk")
            )
        )
    for rows in saved:
        if rows:
            label = rows[0]._meta.label_lower
            rows = [(r.pk, canonical_instance(r)) for r in rows]
            append_rows("history", label, rows, using, with_tree=_ledger_has_tree(apps))
