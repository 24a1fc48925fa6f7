"""Helpers shared by the audits services."""

from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

AREA = "audits"


def next_reference(model, prefix, width=3):
    """PREFIX-YYYY-NNN, numbered per year."""
    stem = f"{prefix}-{timezone.localdate().year}-"
    top = model.objects.filter(reference__startswith=stem).aggregate(
        n=Max(Cast(Substr("reference", len(stem) + 1), output_field=IntegerField()))
    )["n"]
    return f"{stem}{(top or 0) + 1:0{width}}"


def tracked_save(instance, actor, reason):
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()
    return instance


def merged(data, current, name, many=False):
    """The value ``name`` will have: from ``data`` if sent, else the current record's."""
    if name in data:
        return data[name]
    if current is None:
        return [] if many else None
    return list(getattr(current, name).all()) if many else getattr(current, name)
