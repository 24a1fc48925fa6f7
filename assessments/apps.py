from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Impact assessments and risks"

    def ready(self) -> None:
        # Registers dashboard cards, readiness checks, reminder sources and record types.
        from . import (  # noqa: F401
            dashboard,
            mywork,
            notifications,
            readiness,
            records,
            registry_facts,
            signals,
        )

        records.extend_registry_pages()

        from .scoring_default import load_default_after_migrate

        # The default scoring method is loaded once the tables exist, not on a first read.
        post_migrate.connect(
            load_default_after_migrate, sender=self, dispatch_uid="assessments-default-scoring"
        )
