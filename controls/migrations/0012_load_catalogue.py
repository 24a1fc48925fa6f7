"""Load the catalogue into a new database now that its tables match the current models
(0003 leaves it for later when they do not: controls.catalogue.load_when_schema_matches).
Idempotent, so a database that loaded it in 0003 sees no change. In a migration of its own:
PostgreSQL refuses schema changes in the transaction that wrote the rows."""

from django.db import migrations


def load(apps, schema_editor):
    from controls.catalogue import load_when_schema_matches

    load_when_schema_matches(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("controls", "0011_requirement_compliance"),
        # The load writes history, which the ledger chains.
        ("aims_portal", "0009_api_tokens_hashed"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
