"""The integrity app's tables: the ledger (entries, retired values, checkpoints, verification
runs, evidence bundles)."""

from .ledger import (
    Checkpoint,
    EvidenceBundle,
    HeldCheckpoint,
    LedgerEntry,
    RetiredValue,
    VerificationRun,
)

__all__ = [
    "Checkpoint",
    "EvidenceBundle",
    "HeldCheckpoint",
    "LedgerEntry",
    "RetiredValue",
    "VerificationRun",
]
