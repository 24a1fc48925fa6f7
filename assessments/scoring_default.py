"""The scoring method a new portal starts with (``scoring_method.yaml``: five by five, four
levels), saved with its history the first time a method is asked for and none exists yet.

A module of its own so that the selector that reads the method in force can load it without
depending on the app's write services (which read that selector)."""

from pathlib import Path

import yaml

from aims_portal.services import tracked_save

from .models import ScoringMethod

DEFAULT_METHOD = Path(__file__).with_name("scoring_method.yaml")


def scoring_method_load_default() -> ScoringMethod:
    data = yaml.safe_load(DEFAULT_METHOD.read_text())
    return tracked_save(ScoringMethod(**data), None, "Default scoring method loaded")
