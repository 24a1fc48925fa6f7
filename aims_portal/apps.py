from django.apps import AppConfig


class AimsPortalConfig(AppConfig):
    name = "aims_portal"
    verbose_name = "AIMS portal"

    def ready(self):
        from . import (  # noqa: F401  (the webhook delivery task)
            checks,
            search,
            webhooks,
        )
        from .records import columns  # noqa: F401  (before any app builds its tables)

        search.connect()
