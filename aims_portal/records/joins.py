"""Lists read of each joined row only what they show of it.

A list joins the records its rows name (an assessment's system, owner and approver), and
Django reads every column of each joined row: an AI system has three dozen, a person their
password hash and four timestamps.

- A list page (``names_only``): a model that declares ``name_fields``, the fields its name
  (``str``) is written from, is read with only those, its id, and the fields the table's
  columns show through it (``system__risk_tier``). A joined model without the declaration,
  or one whose own joins continue further, is read whole.
- An API list or record (``joins_read_by``): the answer names most joined records by id,
  which the row itself holds (``system_id``); a join whose row no field of the serializer
  reads is dropped. Every join stays when a field may read more than it declares (a
  method field, the whole record, a property of the model), unless the serializer's
  ``Meta.own_properties`` names the property as one that reads the row's own columns
  only. ``tests/test_list_joins.py`` compares every API list's answer and query count with
  and without the dropped joins, so a wrong declaration fails there.
"""

from __future__ import annotations

from functools import lru_cache
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


def joins_read_by(queryset: QuerySet, serializer_class: type) -> QuerySet:
    """``queryset`` without the joins whose rows ``serializer_class`` does not read (see the
    module's description)."""
    joined = queryset.query.select_related
    if not isinstance(joined, dict) or not joined:
        return queryset
    read = _relations_read(serializer_class, queryset.model)
    if read is None:
        return queryset
    kept = [
        path for name, further in joined.items() if name in read for path in _paths(name, further)
    ]
    if len(kept) == len(list(_paths_of(joined))):
        return queryset
    queryset = queryset.select_related(None)
    # (No names at all would mean every foreign key: only named ones are asked for.)
    return queryset.select_related(*kept) if kept else queryset


def _paths(name: str, further: dict) -> list[str]:
    if not further:
        return [name]
    return [f"{name}__{path}" for path in _paths_of(further)]


def _paths_of(joined: dict):
    for name, further in joined.items():
        yield from _paths(name, further)


@lru_cache(maxsize=256)
def _relations_read(serializer_class: type, model) -> frozenset[str] | None:
    """The model fields ``serializer_class`` reads something of beyond a related id; None
    when one of its fields may read anything (a method field, the whole record, a property
    or method of the model)."""
    from rest_framework import serializers

    read = set()
    # Properties of the model the serializer declares read the record's own columns only.
    own = set(getattr(getattr(serializer_class, "Meta", None), "own_properties", ()))
    for field in serializer_class().fields.values():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField) or field.source == "*":
            return None
        first, *rest = field.source.split(".")
        if first in own and not rest:
            continue
        if not _is_field(model, first):
            return None
        related_id = (
            isinstance(field, serializers.RelatedField)
            and not rest
            and field.use_pk_only_optimization()
        )
        if not related_id:
            read.add(first)
    return frozenset(read)


def _is_field(model, name: str) -> bool:
    """A field of ``model`` of any kind (a column, a link either way), not a property."""
    if name == "pk":
        return True
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
