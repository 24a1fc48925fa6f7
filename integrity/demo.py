"""Demo state of the integrity app: attested outputs of the demo support assistant, then a
signed checkpoint over every demo record and a verification.

The chain itself fills as the apps' demo loaders save records; this runs after them (the
app is the last in INSTALLED_APPS). Idempotent: attests only once, signs only when the
chain moved, verifies only when it has not been verified since the last checkpoint.
"""

from . import attestation_demo, job_start, selectors, services
from .models import VerificationRun


def load(users):
    # Attested outputs of the support assistant, through a gateway token.
    attestation_demo.load(users)
    if selectors.head() is None:
        return
    checkpoint = services.checkpoint_create(only_if_new=True)
    verified = VerificationRun.objects.filter(started_at__gte=checkpoint.signed_at).exists()
    if not verified:
        job_start.verification_start(actor=users.get("auditor"))
