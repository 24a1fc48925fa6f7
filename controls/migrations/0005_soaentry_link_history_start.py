"""Start the link history of existing SoA entries.

Before 0004 an entry's links to AI systems and risks were not versioned: its history rows
carry no link rows, so the as-of view cannot know which links an entry had at an earlier
date. If the database holds any link at all, every entry gets one history row now, with the
links it has, marked by START_REASON; the as-of view shows these links from that moment on
and "not recorded" for earlier dates (controls.selectors.snapshot_as_of). A new database
(no links yet) gets nothing: its link history is complete from the start.

The new rows are chained in the ledger here, in this transaction, as the signal handlers do
for rows the portal writes. The migration uses the migration-state models, so it keeps
working when the models change later.
"""

from django.db import migrations
from django.utils import timezone

# Also controls.selectors.LINK_HISTORY_START_REASON (a test holds the two equal).
START_REASON = (
    "Link history starts: linked AI systems and risks are recorded from this version on "
    "(they were not versioned before)"
)

LINKS = (("systems", "aisystem"), ("risks", "risk"))


def start_link_history(apps, schema_editor):
    from aims_portal.ledger.canonical import canonical_instance
    from aims_portal.ledger.services import append_rows

    using = schema_editor.connection.alias
    entry_model = apps.get_model("controls", "SoAEntry")
    history_model = apps.get_model("controls", "HistoricalSoAEntry")
    throughs = {field: getattr(entry_model, field).through for field, _ in LINKS}
    if not any(t.objects.using(using).exists() for t in throughs.values()):
        return
    now = timezone.now()
    names = [f.attname for f in entry_model._meta.concrete_fields]
    versions = history_model.objects.using(using).bulk_create(
        history_model(
            **{name: getattr(entry, name) for name in names},
            history_date=now,
            history_type="~",
            history_user_id=None,
            history_change_reason=START_REASON,
        )
        for entry in entry_model.objects.using(using).order_by("pk")
    )
    history_id = {version.id: version.history_id for version in versions}
    saved = [versions]
    for field, target in LINKS:
        m2m_model = apps.get_model("controls", f"HistoricalSoAEntry_{field}")
        links = throughs[field].objects.using(using).order_by("pk")
        saved.append(
            m2m_model.objects.using(using).bulk_create(
                m2m_model(
                    id=link.pk,
                    history_id=history_id[link.soaentry_id],
                    soaentry_id=link.soaentry_id,
                    **{f"{target}_id": getattr(link, f"{target}_id")},
                )
                for link in links
            )
        )
    for rows in saved:
        if rows:
            label = rows[0]._meta.label_lower
            append_rows("history", label, [(r.pk, canonical_instance(r)) for r in rows], using)


class Migration(migrations.Migration):
    dependencies = [
        ("controls", "0004_soaentry_link_history"),
        ("aims_portal", "0004_ledger"),
    ]

    operations = [migrations.RunPython(start_link_history, migrations.RunPython.noop)]
