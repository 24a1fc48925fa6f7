"""Annex A catalogue, clause 4-10 requirements, crosswalks, the SoA and controlled documents."""

from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Controls and Statement of Applicability"

    def ready(self):
        # Registers dashboard cards, readiness checks, reminder sources and record types.
        from . import (  # noqa: F401
            dashboard,
            information_sources,
            mywork,
            notifications,
            readiness,
            records,
        )
