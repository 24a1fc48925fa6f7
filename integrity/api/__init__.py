"""The integrity app's API: the public ledger feed and proofs, the attestations and their tokens."""
