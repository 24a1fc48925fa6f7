"""Background work of the ledger (inline when no broker is configured)."""

from celery import shared_task

from aims_portal import jobs

from .models import EvidenceBundle, VerificationRun


@shared_task(name="integrity.checkpoint")
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


@shared_task(name="integrity.verify")
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


@shared_task(name="integrity.build_bundle", ignore_result=True)
def build_bundle(bundle_id):
    from . import bundles

    if not jobs.claim(EvidenceBundle, bundle_id):
        return None
    return bundles.bundle_build(bundle_id).status
