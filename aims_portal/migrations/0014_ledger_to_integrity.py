"""The ledger's tables now belong to the integrity app (integrity 0001): removed from this
app's state only, the tables stay."""

from django.db import migrations

MOVED = [
    "Checkpoint",
    "EvidenceBundle",
    "HeldCheckpoint",
    "LedgerEntry",
    "RetiredValue",
    "VerificationRun",
]


class Migration(migrations.Migration):
    dependencies = [
        ("aims_portal", "0013_history_version_indexes"),
        ("integrity", "0001_ledger_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
