from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Impact assessments and risks"

    def ready(self):
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
