"""Demo state of the ledger: a signed checkpoint over the demo records and a verification.

The chain itself fills as the apps' demo loaders save records; this runs after them.
Idempotent: signs only when the chain moved, verifies only when it has not been verified
since the last checkpoint.
"""

from . import job_start, selectors, services
from .models import VerificationRun


def load(users):
    if selectors.head() is None:
        return
    checkpoint = services.checkpoint_create(only_if_new=True)
    verified = VerificationRun.objects.filter(started_at__gte=checkpoint.signed_at).exists()
    if not verified:
        job_start.verification_start(actor=users.get("auditor"))
