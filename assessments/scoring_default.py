"""The scoring method a new portal starts with (``scoring_method.yaml``: five by five, four
levels), saved with its history by ``migrate`` when the database has no method yet.

Loading happens after migrations (``post_migrate``, which also follows the flush of a test
database), never on a read: the selector that gives the method in force only reads."""

from pathlib import Path
from typing import Any

import yaml
from django.apps import AppConfig
from django.apps.registry import Apps
from django.db import transaction

from aims_portal.services import tracked_save

from .models import ScoringMethod

DEFAULT_METHOD = Path(__file__).with_name("scoring_method.yaml")


def scoring_method_load_default() -> ScoringMethod | None:
    """Save the default method, with its history version, unless a method exists already.

    Returns the method saved, or None when there was one (so running it again changes
    nothing)."""
    with transaction.atomic():
        if ScoringMethod.objects.exists():
            return None
        data = yaml.safe_load(DEFAULT_METHOD.read_text())
        return tracked_save(ScoringMethod(**data), None, "Default scoring method loaded")


def load_default_after_migrate(
    sender: AppConfig, *, apps: Apps | None = None, **kwargs: Any
) -> None:
    """``post_migrate`` handler of the assessments app: the default method for a database
    that has none. ``migrate`` passes the state its migrations reached (``apps``): when the
    app's migrations were unapplied there is no method table and nothing is loaded. ``flush``
    passes none, its tables being those of the current models."""
    if apps is not None:
        try:
            apps.get_model("assessments", "ScoringMethod")
        except LookupError:
            return
    scoring_method_load_default()
