from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "integrity"
    verbose_name = "Integrity"

    def ready(self):
        from aims_portal import history_links
        from aims_portal.context_processors import nav_link

        from . import signals
        from .bulk import chain_history_rows

        signals.connect()
        history_links.on_rows_written(chain_history_rows)
        nav_link("ledger", "Integrity", "ledger:integrity", icon="shield-lock", order=10)
