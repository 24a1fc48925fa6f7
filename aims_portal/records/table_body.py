"""The head and rows of a django-tables2 table, each written as one string.

django-tables2 renders a table body through its template: for each cell it builds the
column's attributes again, inspects the render method's signature again, and runs the
template's loop, tests and filters. For a page of 25 rows of nine columns that was most
of the page's time. Here what does not change from row to row (each column's cell
attributes, which arguments its render method takes, how its value is found) is worked out
once per table, and each cell costs the lookup of its value and its own render call.

The markup is the markup of the template's ``table.thead`` and ``table.tbody`` blocks:
``tests/test_list_rendering`` renders every registered table both ways and compares them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache, partialmethod
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import formats
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, escape
from django.utils.http import urlencode
from django.utils.safestring import SafeData, SafeString, mark_safe
from django_tables2 import A, Column
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.base import LinkTransform
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import AttributeDict, signature

from ..kept import Kept, frozen_or_none, setting_of_the_request
from ..links import one_address_base

if TYPE_CHECKING:
    from collections.abc import Callable

    import django_tables2 as tables
    from django_tables2.columns.base import BoundColumn

# The render arguments a cell can offer (django-tables2's list, in its order).
CELL_ARGUMENTS = ("value", "record", "column", "bound_column", "bound_row", "table")


@dataclass
class _Column:
    bound: BoundColumn
    accessor: A
    render: Callable[..., Any]
    wants: tuple[str, ...] | None  # None: the render method takes **kwargs
    td: str | None  # the cell's attributes, when no callable depends on the row
    empty_values: tuple[Any, ...]
    default: Any
    link_text: bool
    plain_link: bool  # linkify=True: a link to the record's own page
    link_accessor: A | None  # for a plain link: where its target is read from
    link_attribute: str | None  # ... when that is one plain name
    # The attribute read straight off a model record, when the accessor is one plain name
    # (no "__" or legacy "." path).
    attribute: str | None
    many: bool
    # The render method is django-tables2's own ``Column.render``, which gives the value.
    shows_value: bool
    # Per model class: the choices field at the end of the accessor, if any, with its
    # labels by value when the model keeps Django's own get_FOO_display (else None: call it).
    choice_fields: dict[type, tuple[models.Field, dict | None] | None]


def _has_callable(attrs: dict) -> bool:
    return any(callable(value) or isinstance(value, dict) for value in attrs.values())


def _columns(table: tables.Table) -> list[_Column]:
    columns = []
    table_attrs = dict(table.attrs)
    for bound in table.columns:
        column = bound.column
        attrs = {**table_attrs, **dict(column.attrs)}
        td = attrs.get("td", attrs.get("cell", {}))
        args, catch_all = _signature(bound.render)
        wants = None if catch_all else tuple(args)
        if wants is not None and any(arg not in CELL_ARGUMENTS for arg in wants):
            wants = ("__never__",)
        link_accessor = _link_accessor(bound)
        link_plain = link_accessor is not None and _plain_name(link_accessor)
        columns.append(
            _Column(
                bound=bound,
                accessor=A(bound.accessor),
                render=bound.render,
                wants=wants,
                td=None if _has_callable(td) else bound.attrs["td"].as_html(),
                empty_values=column.empty_values,
                default=bound.default,
                link_text=isinstance(column, BaseLinkColumn) and column.text is not None,
                plain_link=_is_plain_link(bound.link),
                link_accessor=link_accessor,
                link_attribute=str(link_accessor) if link_plain else None,
                attribute=str(bound.accessor) if _plain_name(bound.accessor) else None,
                many=isinstance(column, ManyToManyColumn),
                shows_value=getattr(bound.render, "__func__", None) is Column.render,
                choice_fields={},
            )
        )
    return columns


def _signature(render: Callable[..., Any]) -> tuple[tuple[str, ...], str | None]:
    """django-tables2's ``signature`` of a render method, worked out once per function (the
    same for every table and column that shares it), not on every page."""
    function = getattr(render, "__func__", None)
    if not isinstance(render, MethodType) or not isinstance(function, FunctionType):
        return signature(render)
    return _method_signature(function)


@lru_cache(maxsize=1024)
def _method_signature(function: FunctionType) -> tuple[tuple[str, ...], str | None]:
    args, catch_all = signature(function)
    return tuple(args[1:]), catch_all  # less the instance the method is bound to


def _plain_name(accessor: str) -> bool:
    """One attribute name: no "__" path, nor django-tables2's legacy "." path."""
    return str(accessor).isidentifier() and A.SEPARATOR not in accessor


def _link_accessor(bound: BoundColumn) -> A | None:
    link = bound.link
    if not _is_plain_link(link):
        return None
    return A(link.accessor if link.accessor is not None else bound.name)


def _is_plain_link(link: Any) -> bool:
    return type(link) is LinkTransform and not link.url and not link.reverse_args and not link.attrs


def _choice_field(
    column: _Column, record: Any, penultimate: Any
) -> tuple[models.Field, dict | None] | None:
    key = type(penultimate)
    if key not in column.choice_fields:
        try:
            field = column.accessor.get_field(record)
        except FieldDoesNotExist:
            field = None
        if getattr(field, "choices", ()):
            labels = None
            if _default_display(key, field):
                # What Model._get_FIELD_display builds on every call, built once per table,
                # with each (perhaps translatable) label turned to text once.
                labels = {
                    value: force_str(label, strings_only=True)
                    for value, label in make_hashable(field.flatchoices)
                }
            column.choice_fields[key] = (field, labels)
        else:
            column.choice_fields[key] = None
    return column.choice_fields[key]


def _default_display(model: type, field: models.Field) -> bool:
    """Whether ``model``'s get_FOO_display for ``field`` is the one Django adds (not a
    method of the model's own)."""
    name = f"get_{field.name}_display"
    for klass in model.__mro__:
        if name in klass.__dict__:
            method = klass.__dict__[name]
            return (
                isinstance(method, partialmethod)
                and method.func is models.Model._get_FIELD_display
                and method.keywords.get("field") is field
            )
    return False


def _cell(column: _Column, table: tables.Table, row: BoundRow) -> Any:
    """The rendered content of one cell, as django-tables2's ``BoundRow.get_cell`` gives it."""
    record = row.record
    value = None
    name = column.attribute
    if name and isinstance(record, models.Model):
        # One plain name on a model: the record is the penultimate object (what
        # ``Accessor.penultimate`` finds), and the value is its attribute.
        penultimate, remainder = record, name
    else:
        name = None
        penultimate, remainder = column.accessor.penultimate(record)
    choice = isinstance(penultimate, models.Model) and _choice_field(column, record, penultimate)
    if choice:
        field, labels = choice
        if labels is not None:
            raw = getattr(penultimate, field.attname)
            value = force_str(labels.get(make_hashable(raw), raw), strings_only=True)
            remainder = None
        elif display := getattr(penultimate, f"get_{remainder}_display", None):
            value = display()
            remainder = None
    if remainder:
        try:
            value = _attribute(record, name) if name else column.accessor.resolve(record)
        except Exception:
            if column.link_text:
                return _render(column, table, row, None)
    if value in column.empty_values or (column.many and not value.exists()):
        return column.default
    return _render(column, table, row, value)


def _attribute(record: models.Model, name: str) -> Any:
    """``Accessor(name).resolve(record)`` for a model record and one plain name, without
    first trying ``record[name]`` (a model is no mapping: that try always raises)."""
    if hasattr(type(record), "__getitem__"):
        return A(name).resolve(record)
    current = getattr(record, name)
    if callable(current):
        if getattr(current, "alters_data", False):
            raise ValueError(A.ALTERS_DATA_ERROR_FMT.format(method=current.__name__))
        if not getattr(current, "do_not_call_in_templates", False):
            current = current()
    return current


def _render(column: _Column, table: tables.Table, row: BoundRow, value: Any) -> Any:
    offered = None
    if column.shows_value:
        content = value
    else:
        offered = _offered(column, table, row, value)
        if column.wants is None:
            content = column.render(**offered)
        elif "__never__" in column.wants:
            content = None
        else:
            content = column.render(**{name: offered[name] for name in column.wants})
    link = column.bound.link
    if not link:
        return content
    if column.plain_link:
        return _plain_link(link, column, row.record, content)
    return link(content, **(offered or _offered(column, table, row, value)))


def _offered(column: _Column, table: tables.Table, row: BoundRow, value: Any) -> dict:
    return {
        "value": value,
        "record": row.record,
        "column": column.bound.column,
        "bound_column": column.bound,
        "bound_row": row,
        "table": table,
    }


def _plain_link(link: LinkTransform, column: _Column, record: Any, content: Any) -> Any:
    """What ``LinkTransform.__call__`` gives for ``linkify=True`` (no URL, reverse arguments
    or attributes of its own): the content in a link to the record's page, in one step."""
    if column.link_attribute and isinstance(record, models.Model):
        target = _attribute(record, column.link_attribute)
    else:
        target = column.link_accessor.resolve(record)
    if not hasattr(target, "get_absolute_url"):
        if not hasattr(record, "get_absolute_url"):
            return link(content, record=record, bound_column=column.bound)
        target = record
    href = target.get_absolute_url()
    if href is None:
        return content
    # SafeString, not mark_safe: the text is built here, never lazy.
    return SafeString(f'<a href="{_escaped(href)}">{_escaped(content)}</a>')


def _escaped(text: Any) -> str:
    """``conditional_escape`` without its lazy-argument wrapper, for the common case of a
    plain or safe string (anything else goes through Django's function)."""
    if type(text) is str:
        return html.escape(text)
    if isinstance(text, SafeData):
        return text
    return conditional_escape(text)


def _as_text(column: _Column, cell: Any, context: Context) -> str:
    localize = column.bound.localize
    if localize is None:
        if isinstance(cell, str):  # text needs no local time or number format, only escaping
            return _escaped(cell)
        if isinstance(cell, models.Model):  # a record is shown by its name, escaped
            return _escaped(str(cell))
        return render_value_in_context(cell, context)
    if localize:
        return conditional_escape(formats.localize(cell, use_l10n=True))
    return conditional_escape(formats.localize(cell, use_l10n=False))


def _row_attrs(table: tables.Table, row: BoundRow) -> str:
    if table.row_attrs or type(row) is not BoundRow:
        return row.attrs.as_html()
    return f'class="{row.get_even_odd_css_class()}"'


def table_body(table: tables.Table, context: Context) -> SafeString:
    """The ``<tbody>`` of ``table``'s current page (or its empty text)."""
    columns = _columns(table)
    tbody = table.attrs.get("tbody")
    parts = [f"<tbody {tbody.as_html() if isinstance(tbody, AttributeDict) else ''}>"]
    rows = table.paginated_rows
    with one_address_base():
        for row in rows:
            parts.append(f"<tr {_row_attrs(table, row)}>")
            for column in columns:
                cell = _cell(column, table, row)
                td = column.td
                if td is None:
                    bound = column.bound
                    bound.current_value, bound.current_record = cell, row.record
                    td = bound.attrs["td"].as_html()
                parts.append(f"<td {td}>{_as_text(column, cell, context)}</td>")
            parts.append("</tr>")
    if not parts[1:] and table.empty_text:
        text = render_value_in_context(table.empty_text, context)
        parts.append(f'<tr><td colspan="{len(columns)}">{text}</td></tr>')
    parts.append("</tbody>")
    return mark_safe("".join(parts))


# Table heads by table class, order and query string: a head is a function of these alone
# (headers, sort links and their classes), and paging through a list keeps drawing the same.
_HEADS = Kept(1024)


def table_head(table: tables.Table, context: Context) -> SafeString:
    """The ``<thead>`` of ``table``: each header, a link that sorts by it where it may."""
    if not table.show_header:
        return mark_safe("")
    query = context["request"].GET
    key = frozen_or_none(
        (
            type(table),
            table.prefix,
            tuple(table.order_by or ()),
            table.exclude,
            table.sequence,
            list(query.lists()),
            setting_of_the_request(),
        )
    )
    return _HEADS.get(key, lambda: _drawn_head(table, context, dict(query)))


def _drawn_head(table, context, query):
    thead = table.attrs.get("thead")
    parts = [f"<thead {thead.as_html() if isinstance(thead, AttributeDict) else ''}>", "<tr>"]
    sort_field = table.prefixed_order_by_field
    for column in table.columns:
        header = render_value_in_context(column.header, context)
        if column.orderable:
            href = escape(
                "?" + urlencode({**query, sort_field: column.order_by_alias.next}, doseq=True)
            )
            header = f'<a href="{href}">{header}</a>'
        parts.append(f'<th {column.attrs["th"].as_html()} scope="col">{header}</th>')
    parts.append("</tr></thead>")
    return mark_safe("".join(parts))
