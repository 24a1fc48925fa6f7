"""The management system's own registers (clauses 4 to 7 and 9.1): context and scope,
leadership, objectives and measurement, competence and communication."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Management system"

    def ready(self):
        # Registers dashboard cards, documented-information providers, readiness checks,
        # reminder sources and record types.
        from . import (  # noqa: F401
            dashboard,
            information_sources,
            notifications,
            readiness,
            records,
        )
