"""Users' groups (their roles) get link history; where users already have groups, every
user gets one version holding them (aims_portal.history_links.start_link_history)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from aims_portal.history_links import start_link_history


def start(apps, schema_editor):
    reason = (
        "Role history starts: the user's groups are recorded from this version on "
        "(they were not versioned before)"
    )
    start_link_history(apps, schema_editor, "aims_portal", "User", ["groups"], reason)


class Migration(migrations.Migration):
    dependencies = [
        ("aims_portal", "0010_retired_values"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalUser_groups",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="auth.group",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="aims_portal.historicaluser",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalUser_groups",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(start, migrations.RunPython.noop),
    ]
