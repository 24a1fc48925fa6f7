"""Background work of the ledger (inline when no broker is configured)."""

from celery import shared_task

from .. import jobs
from .models import EvidenceBundle, VerificationRun


@shared_task(name="aims_portal.ledger.checkpoint")
def checkpoint():
    """Scheduled by Celery beat: sign the chain head when it moved since the last one."""
    from . import selectors, services

    if selectors.head() is None:
        return None
    return services.checkpoint_create(only_if_new=True).pk


@shared_task(name="aims_portal.ledger.verify")
def verify_ledger(run_id=None):
    """A run requested from the page (``run_id``), or the nightly one (Celery beat)."""
    from . import services

    if run_id is None:
        run = VerificationRun.objects.create(deadline=jobs.run_deadline())
    elif jobs.claim(VerificationRun, run_id):
        run = VerificationRun.objects.get(pk=run_id)
    else:
        return None  # failed or finished meanwhile: this delivery has nothing to do
    return services.verification_run(run).status


@shared_task(name="aims_portal.ledger.build_bundle", ignore_result=True)
def build_bundle(bundle_id):
    from . import bundles

    if not jobs.claim(EvidenceBundle, bundle_id):
        return None
    return bundles.bundle_build(bundle_id).status
