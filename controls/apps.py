"""Annex A catalogue, clause 4-10 requirements, crosswalks, the SoA and controlled documents."""

from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "controls"
    verbose_name = "Controls and Statement of Applicability"

    def ready(self):
        from . import dashboard, records  # noqa: F401  (registers cards and record types)
