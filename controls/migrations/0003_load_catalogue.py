"""Load the control catalogue (controls/data/catalogue.yaml) into a new database.

The loader runs with the app's current models rather than the migration state, so that
each row gets its history entry (simple-history writes it on save); a later change to the
catalogue file is applied with `manage.py load_catalogue`, which is idempotent. On a new
database whose tables later migrations still extend, the load waits for the migration that
completes them (controls.catalogue.load_when_schema_matches; see 0010).
"""

from django.db import migrations


def load(apps, schema_editor):
    from controls.catalogue import load_when_schema_matches

    load_when_schema_matches(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("controls", "0002_soaentry_risks")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
