"""The tamper-evident ledger: a hash chain over every history row and attestation."""
