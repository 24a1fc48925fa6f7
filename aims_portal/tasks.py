from celery import shared_task


@shared_task(name="aims_portal.ping")
def ping(payload=None):
    """Round trip through the broker and a worker: for monitoring and the test suite."""
    return {"pong": True, "echo": payload}


@shared_task(name="aims_portal.send_reminders")
def send_reminders():
    """Daily (Celery beat): reviews due, actions overdue, access expiring; once per event."""
    from .notifications import send_reminders as run

    return run()


@shared_task(name="aims_portal.refresh_readiness")
def refresh_readiness():
    """Every few minutes (Celery beat): recompute the readiness score the dashboard shows, so
    that no page view pays for the checks. Returns the number of checks passed."""
    from . import readiness

    return sum(result.passed for result in readiness.report())


@shared_task(name="aims_portal.reap_jobs")
def reap_jobs():
    """Every minute (Celery beat): mark failed the background jobs past their deadline, whose
    worker died or that no worker started. Returns how many."""
    from . import jobs

    return jobs.reap()
