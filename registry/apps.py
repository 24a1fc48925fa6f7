from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "AI system registry"

    def ready(self):
        from . import dashboard, records  # noqa: F401  (registers cards and record types)
