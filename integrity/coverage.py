"""Row types the ledger covers besides history rows: "ledgered models".

History rows enter the chain through django-simple-history's signals. Other append-only
rows (attestations of AI outputs are the first) are declared here, from the ``ready()`` of
the app that owns them (``IntegrityConfig.ready`` for attestations), keyed by their ledger
label (``labels.ledger_label``):

    coverage.register(Attestation, kind="attestation", area="inventory")

Rules for a registered model: its rows are appended with ``services.append_many`` in the
transaction that inserts them, they are never updated or deleted, and so every row must be
in the chain. Verification, the integrity page and the evidence bundle then treat them
like history rows: a changed row, a deleted row and a row with no entry are all reported.
Pre-ledger adoption (``ledger_adopt_existing``) never adopts them: such a row without an
entry can only have been inserted behind the portal's back.
"""

from dataclasses import dataclass
from typing import Any

from .labels import ledger_label


@dataclass(frozen=True)
class LedgeredModel:
    model: Any
    kind: str
    area: str
    # Optional: callable(area) -> JSON-able dict written into an evidence bundle's manifest
    # (e.g. how many rows per system), so an auditor sees what the bundle holds at a glance.
    bundle_summary: Any = None

    @property
    def label(self):
        return ledger_label(self.model)


_registered: dict[str, LedgeredModel] = {}


def register(model, *, kind, area, bundle_summary=None):
    """Declare ``model`` as covered by the ledger; called once, when its app is ready."""
    entry = LedgeredModel(model=model, kind=kind, area=area, bundle_summary=bundle_summary)
    _registered[entry.label] = entry
    return model


def ledgered_models():
    """The registered models, in label order."""
    return tuple(_registered[label] for label in sorted(_registered))


def lookup(model):
    """The registration of ``model`` (a model class), or None."""
    return _registered.get(ledger_label(model))
