from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "AI system registry"

    def ready(self):
        # Registers dashboard cards, readiness checks, reminder sources and record types.
        from . import dashboard, mywork, notifications, readiness, records  # noqa: F401
