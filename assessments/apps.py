from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Impact assessments and risks"

    def ready(self):
        from . import dashboard, records, signals  # noqa: F401  (cards, record types, signals)

        records.extend_registry_pages()
