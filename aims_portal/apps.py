from django.apps import AppConfig


class AimsPortalConfig(AppConfig):
    name = "aims_portal"
    verbose_name = "AIMS portal"

    def ready(self):
        from .ledger import signals

        signals.connect()
