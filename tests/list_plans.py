"""The queries behind every record list (page and API) and how PostgreSQL runs them.

Shared by tests/test_list_indexes.py and bench/read_floor.py:
- ``page_queries`` and ``api_queries`` build each list's first-page queryset the way the
  list page and the API viewset build it (default filters, default and offered orderings);
- ``full_sorts`` reads an EXPLAIN plan and names the sequential scans of the list's own
  table that feed a sort: the plan that reads and sorts a whole table for one page;
- ``clone_rows`` multiplies a record in SQL, varying the columns lists sort by, to give the
  planner a table big enough to choose as it would in production.
"""

import json

from django.db import connection, models
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIRequestFactory, force_authenticate

from aims_portal.api_input import PortalPagination
from aims_portal.record_registry import registered_types
from aims_portal.records.views import PER_PAGE, filtered


def _sort_keys(table):
    """Every offered sort of a record table: its columns ascending and descending."""
    keys = []
    for column in table.columns:
        if column.orderable:
            keys += [column.name, f"-{column.name}"]
    return keys


def page_queries(rt, user):
    """(label, queryset of the first page) for the list page's default order and each sort."""
    request = RequestFactory().get(rt.list_url)
    request.user = user
    base = filtered(rt, request, report=False).qs
    table = rt.table_class(base)
    yield f"page {rt.url_name} (default)", table.data.data[:PER_PAGE]
    for key in _sort_keys(table):
        table = rt.table_class(base, order_by=(key,))
        yield f"page {rt.url_name} ?sort={key}", table.data.data[:PER_PAGE]


def _list_routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                actions = getattr(pattern.callback, "actions", None) or {}
                if actions.get("get") == "list" and "(?P<format>" not in str(pattern.pattern):
                    yield prefix + str(pattern.pattern), pattern.callback

    seen = set()
    for route, callback in walk(get_resolver().url_patterns):
        if callback.cls not in seen:
            seen.add(callback.cls)
            yield "/" + route.lstrip("^").rstrip("$"), callback


def api_viewsets():
    """(path, view callback) of every API list endpoint that reads a table (a plain
    ViewSet answering a computed list, such as the documented-information list, has no
    queryset to plan)."""
    return [
        (route, cb)
        for route, cb in _list_routes()
        if route.startswith("/api/") and hasattr(cb.cls, "filter_queryset")
    ]


def api_queryset(callback, user, route, params=None):
    """The queryset an API list answers for ``params``, before pagination."""
    request = APIRequestFactory().get(route, params or {})
    force_authenticate(request, user=user)
    view = callback.cls(**callback.initkwargs)
    view.action_map = callback.actions
    view.args, view.kwargs, view.format_kwarg = (), {}, None
    view.request = view.initialize_request(request)
    view.action = "list"
    view.headers = {}
    return view.filter_queryset(view.get_queryset())


def api_queries(callback, user, route):
    """(label, queryset of the first page) for the API list's default order and each
    ``ordering`` it offers."""
    size = PortalPagination.page_size or 50
    cls = callback.cls
    yield f"api {route} (default)", api_queryset(callback, user, route)[:size]
    fields = getattr(cls, "ordering_fields", None)
    if fields in (None, "__all__"):
        return
    for field in fields:
        for key in (field, f"-{field}"):
            qs = api_queryset(callback, user, route, {"ordering": key})
            yield f"api {route} ?ordering={key}", qs[:size]


def explain(queryset):
    return json.loads(queryset.explain(format="json"))[0]["Plan"]


def full_sorts(plan, table):
    """Relations named ``table`` that the plan reads with a sequential scan under a sort."""

    def scans(node):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == table:
            yield node
        for child in node.get("Plans", ()):
            yield from scans(child)

    def walk(node):
        if node.get("Node Type") == "Sort":
            yield from scans(node)
            return
        for child in node.get("Plans", ()):
            yield from walk(child)

    return list(walk(plan))


def plan_text(queryset):
    return queryset.explain()


# --- seeding ---------------------------------------------------------------------------


def _varied(field, column, n):
    """An SQL expression giving row ``n`` of the clone its own value of ``field``."""
    if field.unique and isinstance(field, models.IntegerField):
        return f"(10000 + {n})"
    if field.choices:
        values = [v for v, _ in field.flatchoices]
        literal = ", ".join(_literal(v) for v in values)
        return f"(ARRAY[{literal}])[1 + mod({n}, {len(values)})]"
    if isinstance(field, models.BooleanField):
        return f"(mod({n}, 2) = 0)"
    if isinstance(field, models.DateTimeField):
        return f"(now() - mod({n}, 5000) * interval '1 hour')"
    if isinstance(field, models.DateField):
        return f"(current_date + mod({n}, 3000) - 1500)"
    if isinstance(field, models.IntegerField):
        return f"(mod({n}, 25) + 1)"
    if isinstance(field, models.CharField | models.TextField):
        return f"left(md5({n}::text) || ' ' || {column}, {field.max_length or 200})"
    return column


def _spread(related, n):
    """An SQL expression picking row ``n``'s related record among all of them in turn."""
    table = connection.ops.quote_name(related._meta.db_table)
    pk = connection.ops.quote_name(related._meta.pk.column)
    return (
        f"(ARRAY(SELECT {pk} FROM {table} ORDER BY {pk}))"
        f"[1 + mod({n}, (SELECT count(*) FROM {table})::int)]"
    )


def _literal(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def clone_rows(model, template, count, vary=(), start=1):
    """Insert ``count`` copies of ``template`` (a saved row of ``model``) in one statement;
    unique columns and the fields named in ``vary`` get a value of their own per copy (a
    foreign key named there points at each related record in turn), so that sorts and the
    planner's statistics see a spread of values. Copies are numbered from ``start``: a
    later call must start past the copies already made."""
    columns, values = [], []
    vary = set(vary)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = connection.ops.quote_name(field.column)
        columns.append(column)
        unique = field.unique or field.name in vary
        if field.many_to_one and field.name in vary:
            # A link the template leaves empty stays empty (check constraints rely on it).
            spread = _spread(field.related_model, "g")
            values.append(f"CASE WHEN t.{column} IS NULL THEN NULL ELSE {spread} END")
        elif unique and not field.is_relation:
            values.append(_varied(field, f"t.{column}", "g"))
        else:
            values.append(f"t.{column}")
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM {table} t, generate_series(%s, %s) g "
            f"WHERE t.{pk} = %s",
            [start, start + count - 1, template.pk],
        )
        cursor.execute(f"ANALYZE {table}")


def sort_fields(model):
    """Names of the model's own fields that its lists (pages and API) offer to sort by or
    sort by default: the fields clone_rows must vary."""
    names = set()
    for rt in registered_types():
        if rt.model is not model:
            continue
        for column in rt.table_class(model.objects.none()).columns:
            if column.orderable:
                names.update(str(a).split("__")[0] for a in column.order_by)
    for ordering in model._meta.ordering:
        if isinstance(ordering, str):
            names.add(ordering.lstrip("-"))
    return {n for n in names if n in {f.name for f in model._meta.concrete_fields}}
