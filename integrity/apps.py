from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "integrity"
    verbose_name = "Integrity"

    def ready(self):
        from aims_portal import history_links
        from aims_portal.context_processors import nav_link

        from . import coverage, signals
        from .attestation_selectors import bundle_summary
        from .bulk import chain_history_rows
        from .models import Attestation

        signals.connect()
        history_links.on_rows_written(chain_history_rows)
        coverage.register(
            Attestation,
            kind="attestation",
            area=Attestation.area,
            bundle_summary=lambda area, up_to_sequence: bundle_summary(up_to_sequence),
        )
        nav_link("ledger", "Integrity", "ledger:integrity", icon="shield-lock", order=10)
