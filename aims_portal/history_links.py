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


# Called with (apps, rows, using) for each batch of history rows start_link_history writes:
# the app that keeps the ledger chains them there (see ``on_rows_written``).
_rows_written = []


def on_rows_written(receiver):
    """Have ``receiver(apps, rows, using)`` called, in the migration's transaction, with each
    batch of migration-state history rows (one model per batch) that ``start_link_history``
    writes in bulk, which no signal announces."""
    if receiver not in _rows_written:
        _rows_written.append(receiver)


def start_link_history(
    apps, schema_editor, app_label, model_name, fields, reason=LINKS_START_REASON
):
    """A data migration's step: if any record of the model has a link in ``fields``, give
    every record one version holding the links it has now, marked with ``reason``.
    A database without such links needs nothing: its link history is complete from the start.

    Works on the migration-state models, so it stays valid when the models change later, and
    hands the new rows to the ``on_rows_written`` receivers (the ledger chains them).
    """
    from django.utils import timezone

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
            for receiver in _rows_written:
                receiver(apps, rows, using)
