"""Attestations and their tokens now belong to the integrity app (integrity 0002): removed
from this app's state only, the tables stay."""

from django.db import migrations

# Those that point at a token first, the token last.
MOVED = [
    "Attestation",
    "AttestationIdempotencyKey",
    "HistoricalAttestationToken",
    "AttestationToken",
]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_history_version_indexes"),
        ("integrity", "0002_attestations_from_registry"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
        ),
    ]
