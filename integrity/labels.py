"""Ledger labels: the name under which the ledger knows a covered table.

An entry hashes ``covered_model`` with the row, and evidence bundles and receipts carry it,
so a table keeps the label it had when its first row was ledgered: its ``app_label.model``
then. Models that later moved to another app keep their old label here; every other model's
label is its ``_meta.label_lower``. Everything in the ledger that names a table or finds
one by name goes through this module, so old entries, old bundles and new ones agree.
"""

from django.apps import apps

# label_lower now -> ledger label (its label_lower when it was first ledgered).
MOVED = {
    # Attestations and their tokens moved from the registry to this app.
    "integrity.attestation": "registry.attestation",
    "integrity.attestationidempotencykey": "registry.attestationidempotencykey",
    "integrity.attestationtoken": "registry.attestationtoken",
    "integrity.historicalattestationtoken": "registry.historicalattestationtoken",
}
_NOW = {label: now for now, label in MOVED.items()}


def ledger_label(model):
    """The ledger label of ``model`` (a model class or instance, the app registry's or a
    migration's state, or its ``label_lower`` string)."""
    label = model if isinstance(model, str) else model._meta.label_lower
    return MOVED.get(label, label)


def model_for(label, registry=apps):
    """The model a ledger label names (from ``registry``: the app registry, or a migration's
    state apps), or None when there is none."""
    try:
        return registry.get_model(_NOW.get(label, label))
    except (LookupError, ValueError):
        return None
