"""Background work of the ledger (inline when no broker is configured)."""

from celery import shared_task

from .models import VerificationRun


@shared_task(name="aims_portal.ledger.checkpoint")
def checkpoint():
    """Scheduled by Celery beat: sign and time-stamp the tree head when the log has grown
    and the last checkpoint is older than LEDGER_CHECKPOINT_INTERVAL. When the
    time-stamping authority fails, nothing is signed and the next run tries again."""
    from django.core.exceptions import ValidationError

    from . import selectors, services

    if selectors.head() is None:
        return None
    try:
        return services.checkpoint_create(only_if_new=True).pk
    except ValidationError:
        return None  # logged by the service; retried on the next beat


@shared_task(name="aims_portal.ledger.verify")
def verify_ledger(run_id=None):
    from . import services

    run = VerificationRun.objects.get(pk=run_id) if run_id else None
    return services.verification_run(run).status


@shared_task(name="aims_portal.ledger.build_bundle")
def build_bundle(bundle_id):
    from . import bundles

    return bundles.bundle_build(bundle_id).status
