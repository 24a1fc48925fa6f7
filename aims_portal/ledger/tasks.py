"""Background work of the ledger (inline when no broker is configured)."""

from celery import shared_task

from .models import VerificationRun


@shared_task(name="aims_portal.ledger.checkpoint")
def checkpoint():
    """Scheduled by Celery beat: sign the chain head when it moved since the last one."""
    from . import selectors, services

    if selectors.head() is None:
        return None
    return services.checkpoint_create(only_if_new=True).pk


@shared_task(name="aims_portal.ledger.verify")
def verify_ledger(run_id=None):
    from . import services

    run = VerificationRun.objects.get(pk=run_id) if run_id else None
    return services.verification_run(run).status


@shared_task(name="aims_portal.ledger.build_bundle")
def build_bundle(bundle_id):
    from . import bundles

    return bundles.bundle_build(bundle_id).status
