from django.apps import AppConfig


class AimsPortalConfig(AppConfig):
    name = "aims_portal"
    verbose_name = "AIMS portal"

    def ready(self):
        # The deploy checks and the webhook delivery task register themselves on import.
        from . import checks, search, webhooks  # noqa: F401
        from .records import columns  # noqa: F401  (before any app builds its tables)

        search.connect()
