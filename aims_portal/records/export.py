"""CSV and XLSX export of a record table: what the list shows, every page, formulas
neutralised, read from query values.

A table's cells go through django-tables2 one by one (a model instance per row, the column's
``value`` method resolved per cell), which took seconds at ten thousand rows. Here each
column is read once as a query value: choices become their labels, a link becomes its
record's name (read in one query per column), an annotation is read like a field, a
many-to-many column's items are read in one query for all rows, and the column's own
``value`` method is still applied, so the file says what the page says. A column whose cell
needs more of the record declares it in its table's ``export_values`` (``ExportValue``: the
query values it needs and a function of them). Anything else that needs the whole record (a
property, a ``value`` method that reads ``record``) is computed the table's way, for that
column only.

The XLSX file is written by ``aims_portal.records.xlsx`` (one sheet of text cells), several
times faster than a general spreadsheet library for the same rows.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpResponse
from django.utils.encoding import force_str
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import signature

from .xlsx import write_sheet

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
# Cell arguments a column's value method may ask for without a model instance.
ROWLESS_ARGUMENTS = {"value", "table", "column", "bound_column"}


def neutralise(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class ExportValue:
    """How an export reads a column whose table cell needs more than the column's own value:
    the query values it needs (``values()`` paths: fields, related fields, annotations) and a
    function of them, in that order, that returns the cell as the table's ``value`` method
    would. Without a function, the one path's value is the cell (choices as labels)."""

    paths: tuple[str, ...]
    function: Callable[..., Any] | None = None


@dataclass
class _Column:
    bound: Any
    path: str | None = None  # the values() path, None when the table computes the cell
    labels: dict | None = None  # choice labels
    function: Any = None  # the column's value method, of the value alone
    related: type[models.Model] | None = None  # a link: the value is this model's pk
    boolean: bool = False
    declared: ExportValue | None = None  # read as the table's export_values say
    many: type[models.Model] | None = None  # a many-to-many column: the related model


def _field_at(model, accessor):
    """The model field an accessor ends on, or None (a property, a method, a reverse or
    many-to-many relation)."""
    parts = accessor.replace(".", "__").split("__")
    field = None
    for n, part in enumerate(parts):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.many_to_many or field.one_to_many or not field.concrete:
            return None
        if n < len(parts) - 1:
            if not field.is_relation:
                return None
            model = field.related_model
    return field


def _plain_link(bound):
    """A link column (e-mail, URL) showing its value as is: the export is the value."""
    fn = bound.value
    return (
        isinstance(bound.column, BaseLinkColumn)
        and bound.column.text is None
        and getattr(fn, "__func__", None) is BaseLinkColumn.value
    )


def _plain_many(bound):
    """A many-to-many column as django-tables2 exports it: every item, the column's
    ``transform`` of each, joined by its separator."""
    column = bound.column
    return (
        isinstance(column, tables.ManyToManyColumn)
        and getattr(column.filter, "__func__", None) is tables.ManyToManyColumn.filter
        and getattr(bound.value, "__func__", None) is tables.Column.value
        and getattr(column.render, "__func__", None) is tables.ManyToManyColumn.render
        and not hasattr(column, "linkify_item")
    )


def _needs_record(bound):
    fn = bound.value
    if isinstance(bound.column, tables.BooleanColumn) or _plain_link(bound):
        return False  # read as a plain value below
    args, catch_all = signature(fn)
    if catch_all and getattr(fn, "__func__", None) is tables.Column.value:
        args, catch_all = signature(bound.column.render)
    return catch_all or not set(args) <= ROWLESS_ARGUMENTS


def _path_field(model, path):
    """The field a values() path ends on, through any relation (reverse ones too)."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            model = field.related_model
    return field


def _labels(field):
    if field is None or field.is_relation or not field.choices:
        return None
    return {k: force_str(v) for k, v in field.flatchoices}


def _plan(table, exclude_columns):
    model = table.data.model
    annotations = getattr(getattr(table.data.data, "query", None), "annotations", {})
    declared = getattr(table, "export_values", {})
    plan = []
    for bound in table.columns.iterall():
        if bound.column.exclude_from_export or bound.name in exclude_columns:
            continue
        column = _Column(bound)
        accessor = str(bound.accessor).replace(".", "__")
        if bound.name in declared:
            column.declared = declared[bound.name]
            if column.declared.function is None:
                (column.path,) = column.declared.paths
                column.labels = _labels(_path_field(model, column.path))
                column.declared = None
                column.function = lambda value: value
            plan.append(column)
            continue
        field = _field_at(model, accessor) if model else None
        if model and _plain_many(bound):
            try:
                relation = model._meta.get_field(accessor)
            except FieldDoesNotExist:
                relation = None
            if relation is not None and relation.many_to_many:
                column.path = accessor
                column.many = relation.related_model
                plan.append(column)
                continue
        if field is None and accessor in annotations:
            field = models.Field()  # an annotation: a plain value, no choices
        if field is not None and not _needs_record(bound):
            column.path = accessor
            if field.is_relation:
                column.related = field.related_model
            column.labels = _labels(field)
            column.boolean = isinstance(bound.column, tables.BooleanColumn)
            column.function = (
                (lambda value: value) if _plain_link(bound) else _value_function(bound, table)
            )
        plan.append(column)
    return plan


def _value_function(bound, table):
    """The column's value method as a function of the value alone, its other arguments
    bound once (django-tables2 inspects the signature for every cell otherwise)."""
    fn = bound.value
    if getattr(fn, "__func__", None) is tables.Column.value:
        fn = bound.column.render
        if getattr(fn, "__func__", None) is tables.Column.render:
            return lambda value: value
    args, catch_all = signature(fn)
    extra = {"table": table, "column": bound.column, "bound_column": bound}
    if catch_all:
        return lambda value: fn(value=value, **extra)
    extra = {k: v for k, v in extra.items() if k in args}
    if "value" not in args:
        return lambda value: fn(**extra)
    return lambda value: fn(value=value, **extra)


def _cell(column, value):
    bound = column.bound
    if column.labels is not None:
        value = column.labels.get(value, value)
    if value in bound.column.empty_values:
        return None
    if column.boolean:
        return str(bool(value))
    return column.function(value)


def _many_items(queryset, column):
    """Each record's items of a many-to-many column, as the column shows them: pk -> text."""
    items = {}
    pairs = queryset.order_by().values_list("pk", column.path)
    related = {pk for _, pk in pairs if pk is not None}
    order = {
        obj.pk: (n, column.bound.column.transform(obj))
        for n, obj in enumerate(column.many._default_manager.filter(pk__in=related))
    }
    for pk, item in pairs:
        if item is not None:
            items.setdefault(pk, []).append(order[item])
    separator = column.bound.column.separator
    return {
        pk: separator.join(str(text) for _, text in sorted(found)) for pk, found in items.items()
    }


def table_rows(table, exclude_columns=()) -> Iterator[list]:
    """The header row, then one row per record of the (ordered, unpaginated) table."""
    plan = _plan(table, exclude_columns)
    yield [force_str(c.bound.header, strings_only=True) for c in plan]
    queryset = table.data.data
    paths = list(
        dict.fromkeys(
            path
            for c in plan
            for path in (c.declared.paths if c.declared else (c.path,) if c.path else ())
            if not c.many
        )
    )
    computed = [c for c in plan if not c.path and not c.declared]
    names = {}
    many = {}
    for column in plan:
        if column.related is not None:
            ids = set(queryset.values_list(column.path, flat=True).distinct())
            ids.discard(None)
            names[column.path] = {
                pk: str(obj) for pk, obj in column.related._default_manager.in_bulk(ids).items()
            }
        if column.many is not None:
            many[column.bound.name] = _many_items(queryset, column)
    by_pk = {}
    if computed:
        for record in queryset.iterator(chunk_size=CHUNK):
            row = BoundRow(record, table=table)
            by_pk[record.pk] = [row.get_cell_value(c.bound.name) for c in computed]
    empty = [c.bound.column.empty_values for c in plan]
    for values in queryset.values_list("pk", *paths).iterator(chunk_size=CHUNK):
        pk = values[0]
        read = dict(zip(paths, values[1:], strict=True))
        rest = iter(by_pk.get(pk, ()))
        row = []
        for n, column in enumerate(plan):
            if column.many is not None:
                row.append(many[column.bound.name].get(pk, ""))
            elif column.declared is not None:
                args = [read[path] for path in column.declared.paths]
                row.append(None if args[0] in empty[n] else column.declared.function(*args))
            elif not column.path:
                row.append(next(rest))
            else:
                value = read[column.path]
                if column.related is not None and value is not None:
                    value = names[column.path].get(value)
                row.append(_cell(column, value))
        yield row


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def csv_response(table, filename, exclude_columns=()):
    # Built in memory (a few MB at ten thousand rows) so the answer has a length.
    response = HttpResponse(
        "".join(_csv_lines(table_rows(table, exclude_columns))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(table, filename, *, title, exclude_columns=()):
    """The table as one sheet (header row bold and frozen), written row by row."""
    rows = table_rows(table, exclude_columns)
    content = write_sheet(title, ([neutralise(cell) for cell in row] for row in rows))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
