"""Hooks the ledger into django-simple-history and registers its dashboard card and tasks."""

from simple_history.signals import (
    post_create_historical_m2m_records,
    post_create_historical_record,
)


def connect():
    from . import dashboard, services, tasks  # noqa: F401  (card and Celery tasks)

    post_create_historical_record.connect(
        services.history_row_created, dispatch_uid="aims_ledger_history_row"
    )
    post_create_historical_m2m_records.connect(
        services.history_m2m_rows_created, dispatch_uid="aims_ledger_history_m2m_rows"
    )
