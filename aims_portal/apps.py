from django.apps import AppConfig


class AimsPortalConfig(AppConfig):
    name = "aims_portal"
    verbose_name = "AIMS portal"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)
        from .ledger import signals
        from .records import columns  # noqa: F401  (before any app builds its tables)

        signals.connect()

        from . import search, webhooks  # noqa: F401  (the webhook delivery task)

        search.connect()
