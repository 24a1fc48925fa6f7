"""System checks for a production deployment (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def ledger_anchoring(app_configs, **kwargs):
    """Checkpoints must be time-stamped in production: without an outside time-stamp, an
    administrator holding the signing key could re-sign a rewritten log unnoticed."""
    if settings.LEDGER_TSA_URL:
        return []
    return [
        Error(
            "LEDGER_TSA_URL is not set: ledger checkpoints would not be time-stamped.",
            hint="Set LEDGER_TSA_URL and LEDGER_TSA_CERT_FILE to an RFC 3161 time-stamping "
            "authority (see README, Verifying integrity).",
            id="aims.E001",
        )
    ]
