"""The ledger's tables as a data migration sees them.

Migrations that write or read the ledger run at every point of the migration graph: before
the integrity app took the tables over, they are the aims_portal app's models; after, the
integrity app's. The tables are the same either way.
"""


def state_model(apps, name):
    """The migration-state model ``name`` (e.g. "LedgerEntry") of whichever app holds the
    ledger tables at this point of the graph."""
    for app_label in ("integrity", "aims_portal"):
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    raise LookupError(f"No ledger model {name} at this migration.")


def ledger_has_tree(apps):
    """Whether the ledger table has its Merkle tree column yet at this migration (aims_portal
    0008 adds it and builds the tree over every entry written before)."""
    try:
        entry = state_model(apps, "LedgerEntry")
    except LookupError:
        return False
    return any(field.name == "tree_nodes" for field in entry._meta.fields)


def content_types_step(from_app, to_app, model_names):
    """``migrations.RunPython`` giving the content types of ``model_names`` (lower case) the
    app label of the app that now holds the models, so that permissions and generic
    relations keep pointing at the same rows (reversible). A type the target app already
    has (made by an earlier ``migrate`` of it) is left as it is."""
    from django.db import migrations

    def move(apps, schema_editor, source, target):
        content_type = apps.get_model("contenttypes", "ContentType")
        types = content_type.objects.using(schema_editor.connection.alias)
        taken = set(
            types.filter(app_label=target, model__in=model_names).values_list("model", flat=True)
        )
        types.filter(app_label=source, model__in=set(model_names) - taken).update(app_label=target)

    def forwards(apps, schema_editor):
        move(apps, schema_editor, from_app, to_app)

    def backwards(apps, schema_editor):
        move(apps, schema_editor, to_app, from_app)

    return migrations.RunPython(forwards, backwards, elidable=False)
