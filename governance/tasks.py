from celery import shared_task


@shared_task(name="governance.compute_measurements")
def compute_measurements():
    """Daily (Celery beat): today's reading of every objective measured from portal data."""
    from .services import measurements_compute

    return measurements_compute()
