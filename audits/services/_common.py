"""Helpers shared by the audits services."""

from typing import Any

from django.db import models

from aims_portal.services import next_reference, tracked_save  # noqa: F401 (re-exported)

AREA = "audits"


def merged(data: dict, current: models.Model | None, name: str, many: bool = False) -> Any:
    """The value ``name`` will have: from ``data`` if sent, else the current record's."""
    if name in data:
        return data[name]
    if current is None:
        return [] if many else None
    return list(getattr(current, name).all()) if many else getattr(current, name)
