"""Annex A catalogue, clause 4-10 requirements, crosswalks, the SoA and controlled documents."""

from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Controls and Statement of Applicability"

    def ready(self):
        # Registers dashboard cards, readiness checks, reminder sources and record types.
        from . import dashboard, notifications, records  # noqa: F401
