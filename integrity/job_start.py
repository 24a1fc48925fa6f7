"""Starting the ledger's background jobs: a verification run, an evidence bundle.

Each request is checked (role, scope, area), saved as a queued job row, then handed to its
Celery task (inline when there is no broker); aims_portal.jobs says how a job that cannot
be queued or whose worker dies ends.
"""

from django.core.exceptions import ValidationError

from aims_portal import jobs, roles, scopes

from . import selectors
from .models import EvidenceBundle, VerificationRun
from .tasks import build_bundle, verify_ledger


def verification_start(*, actor):
    """Queue a verification run; any role that may view the ledger may ask for one."""
    roles.require(actor, "view", "ledger")
    run = VerificationRun.objects.create(
        triggered_by=actor, status=VerificationRun.Status.QUEUED, deadline=jobs.queue_deadline()
    )
    jobs.enqueue(run, verify_ledger)
    return run


def bundle_request(*, actor, area=""):
    """Queue an evidence bundle of ``area`` (blank: the whole AIMS); needs "export" on the
    ledger and a user not limited to some AI systems."""
    roles.require(actor, "export", "ledger")
    scopes.require_whole_organisation(actor, "an evidence bundle")
    if area and area not in dict(selectors.bundle_areas()):
        raise ValidationError({"area": "Choose an area that has records, or the whole AIMS."})
    bundle = EvidenceBundle.objects.create(
        requested_by=actor, area=area, deadline=jobs.queue_deadline()
    )
    jobs.enqueue(bundle, build_bundle)
    return bundle


def bundle_retry(bundle, *, actor):
    """Build a failed bundle again, as a new bundle of the same area."""
    if bundle.status != EvidenceBundle.Status.FAILED:
        raise ValidationError("Only a bundle that could not be built can be tried again.")
    return bundle_request(actor=actor, area=bundle.area)
