"""Audit programme, internal audits, findings, corrective actions, management reviews."""

from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits and improvement"

    def ready(self):
        # Dashboard cards, record types, the overdue-action reminders and the readiness check.
        from . import (  # noqa: F401
            dashboard,
            information_sources,
            mywork,
            readiness,
            records,
            reminders,
        )

        records.extend_other_pages()
