"""Start the link history of existing SoA entries.

Before 0004 an entry's links to AI systems and risks were not versioned: its history rows
carry no link rows, so the as-of view cannot know which links an entry had at an earlier
date. If the database holds any link at all, every entry gets one history row now, with the
links it has, marked by START_REASON; the as-of view shows these links from that moment on
and "not recorded" for earlier dates (controls.selectors.snapshot_as_of). A new database
(no links yet) gets nothing: its link history is complete from the start.

aims_portal.history_links.start_link_history does the work (it began here, for SoA entries,
and serves every model with link history now).
"""

from django.db import migrations

from aims_portal.history_links import start_link_history as start

# Also SoAEntry._history_links_start_reason (a test holds the two equal).
START_REASON = (
    "Link history starts: linked AI systems and risks are recorded from this version on "
    "(they were not versioned before)"
)


def start_link_history(apps, schema_editor):
    start(apps, schema_editor, "controls", "SoAEntry", ["systems", "risks"], START_REASON)


class Migration(migrations.Migration):
    dependencies = [
        ("controls", "0004_soaentry_link_history"),
        ("aims_portal", "0004_ledger"),
    ]

    operations = [migrations.RunPython(start_link_history, migrations.RunPython.noop)]
