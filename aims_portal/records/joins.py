"""List pages read of each joined row only what they show of it.

A list page joins the records its cells name (an assessment's system, owner and approver),
and Django reads every column of each joined row: an AI system has three dozen, a person
their password hash and four timestamps. A model that declares ``name_fields``, the fields
its name (``str``) is written from, is read on a list page with only those, its id, and
the fields the table's columns show through it (``system__risk_tier``). A joined model
without the declaration, or one whose own joins continue further, is read whole, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist

if TYPE_CHECKING:
    import django_tables2 as tables
    from django.db.models import QuerySet


def column_paths(table_class: type[tables.Table]) -> list[str]:
    """The field paths the table's columns read (``owner``, ``system__risk_tier``)."""
    return [
        str(column.accessor or name).replace(".", "__")
        for name, column in table_class.base_columns.items()
    ]


def names_only(queryset: QuerySet, shown: list[str] | tuple[str, ...] = ()) -> QuerySet:
    """``queryset`` reading of each joined row only its name's fields and the ``shown`` paths
    that go through it (see the module's description)."""
    joined = queryset.query.select_related
    if not isinstance(joined, dict) or not joined:
        return queryset
    if queryset.query.deferred_loading != (frozenset(), True):
        return queryset  # the caller chose its own columns
    model = queryset.model
    paths = [field.name for field in model._meta.concrete_fields]
    narrowed = False
    for name, further in joined.items():
        remote = model._meta.get_field(name).related_model
        names = getattr(remote, "name_fields", None)
        if further or names is None:
            continue  # read whole
        through = [p.split("__", 1)[1] for p in shown if p.startswith(f"{name}__")]
        if not all(_is_column(remote, path) for path in through):
            continue  # a column reads something of it that is not one of its fields
        paths += [f"{name}__{field}" for field in dict.fromkeys((*names, *through))]
        narrowed = True
    return queryset.only(*paths) if narrowed else queryset


def _is_column(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).concrete
    except FieldDoesNotExist:
        return False
