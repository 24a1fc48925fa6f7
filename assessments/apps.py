from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Impact assessments and risks"

    def ready(self):
        # Registers dashboard cards, readiness checks, reminder sources and record types.
        from . import dashboard, notifications, readiness, records, signals  # noqa: F401

        records.extend_registry_pages()
