"""Start the link history of existing records (aims_portal.history_links): where links
exist already, every record gets one version with the links it has now."""

from django.db import migrations

from aims_portal.history_links import start_link_history


def start(apps, schema_editor):
    start_link_history(apps, schema_editor, "assessments", "Risk", ["systems"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0004_link_history"),
        ("aims_portal", "0004_ledger"),
    ]

    operations = [migrations.RunPython(start, migrations.RunPython.noop)]
