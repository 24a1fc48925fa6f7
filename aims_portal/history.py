"""Selectors over django-simple-history: the versions of a record and the diff of two."""

from dataclasses import dataclass

from django.db import models
from django.utils.text import capfirst

from .display import display_value

# Bookkeeping fields that change on every save and say nothing to a reader.
HIDDEN_FIELDS = {"updated_at", "version", "created_at"}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


def versions(model, pk):
    """All saved versions of one record, newest first, with who made them."""
    return model.history.filter(id=pk).select_related("history_user").order_by("-history_id")


def _tracked_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and f.name != model._meta.pk.name
    ]


def _display(field, value, related):
    if isinstance(field, models.ForeignKey) and value is not None:
        obj = related.get((field.name, value))
        return str(obj) if obj is not None else f"#{value} (deleted)"
    return display_value(field, value)


def diff(model, older, newer):
    """Field-by-field changes from ``older`` to ``newer`` (historical rows of ``model``).

    Foreign keys are shown by name, fetched with one query per changed relation.
    """
    changes = []
    for field in _tracked_fields(model):
        attname = field.attname
        old, new = getattr(older, attname), getattr(newer, attname)
        if old != new:
            changes.append((field, old, new))
    related = {}
    for field in {f for f, _, _ in changes if isinstance(f, models.ForeignKey)}:
        ids = {v for f, o, n in changes if f is field for v in (o, n) if v is not None}
        for pk, obj in field.related_model._base_manager.in_bulk(ids).items():
            related[(field.name, pk)] = obj
    return [
        FieldChange(
            name=field.name,
            label=str(capfirst(field.verbose_name)),
            old=_display(field, old, related),
            new=_display(field, new, related),
        )
        for field, old, new in changes
    ]


def changed_fields_per_version(model, pk, page):
    """Pairs (version, labels of the fields it changed) for one page of versions.

    Needs the version just before the page's oldest row, fetched with one query.
    """
    rows = list(page.object_list)
    if not rows:
        return []
    before = versions(model, pk).filter(history_id__lt=rows[-1].history_id).first()
    fields = _tracked_fields(model)
    result = []
    for row, previous in zip(rows, [*rows[1:], before], strict=True):
        if previous is None:
            changed = []
        else:
            changed = [
                str(capfirst(f.verbose_name))
                for f in fields
                if getattr(row, f.attname) != getattr(previous, f.attname)
            ]
        result.append((row, previous, changed))
    return result
