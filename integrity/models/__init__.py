"""The integrity app's tables: the ledger (entries, retired values, checkpoints, verification
runs, evidence bundles) and the attestations of AI outputs with the tokens that register
them."""

from .attestations import Attestation, AttestationIdempotencyKey, AttestationToken
from .ledger import (
    Checkpoint,
    EvidenceBundle,
    HeldCheckpoint,
    LedgerEntry,
    RetiredValue,
    VerificationRun,
)

__all__ = [
    "Attestation",
    "AttestationIdempotencyKey",
    "AttestationToken",
    "Checkpoint",
    "EvidenceBundle",
    "HeldCheckpoint",
    "LedgerEntry",
    "RetiredValue",
    "VerificationRun",
]
