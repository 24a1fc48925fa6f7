"""A record's history is read through an index on (record, version): the history page and
the history API of a record with 1,000 versions, in a history table that also holds 100,000
versions of other records, read only that record's rows on PostgreSQL.

Without the index PostgreSQL reads the newest versions of every record backwards until it has
found a page of this one, or reads all of this record's versions and sorts them; without the
partial index on the link-history start, it reads every version of a record created after
link history began to learn that it has no such version.

The planner assumes a record's versions are spread evenly through the table. Where one record
holds a large share of it (several percent) it may still walk the table's newest versions
backwards, which is right when that record's versions are spread out and costs the versions
written since its last one when they are not: other records' versions outnumber this one's
here a hundred to one, as in a table of many records.

The pages and the API also run the same number of queries at 100 and at 1,000 versions."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Risk
from registry.models import AISystem

from . import factories, list_plans
from .test_list_indexes import postgres  # noqa: F401  (fixture)

OWN_VERSIONS = 1000
OTHER_VERSIONS = 100_000


def _history_models():
    """Every model simple-history keeps versions of."""
    return [
        model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    ]


def _record_index(model):
    fields = (model._meta.pk.attname, "history_id")
    return [
        index
        for index in model.history.model._meta.indexes
        if tuple(index.fields) == fields and index.condition is None
    ]


def test_every_history_table_has_an_index_on_record_and_version():
    models = _history_models()
    assert len(models) > 20
    missing = [m._meta.label for m in models if not _record_index(m)]
    assert not missing


def test_link_history_start_has_a_partial_index():
    for model in _history_models():
        reason = getattr(model, "_history_links_start_reason", None)
        partial = [i for i in model.history.model._meta.indexes if i.condition is not None]
        if reason is None:
            assert not partial, model._meta.label
        else:
            [index] = partial
            assert dict(index.condition.children) == {"history_change_reason": reason}


def _add_versions(model, record, own, others):
    """Give ``record`` ``own`` versions in all, then write ``others`` versions of 2,000 other
    records after them: what a history table holds once many records were edited."""
    history = model.history.model
    first = history.objects.filter(id=record.pk).order_by("history_id").first()
    list_plans.clone_rows(history, first, own - history.objects.filter(id=record.pk).count())
    table = connection.ops.quote_name(history._meta.db_table)
    columns = [
        connection.ops.quote_name(f.column)
        for f in history._meta.concrete_fields
        if f.name not in ("history_id", "id")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, {', '.join(columns)}) "
            f"SELECT 1000000 + mod(g, 2000), {', '.join('t.' + c for c in columns)} "
            f"FROM {table} t, generate_series(1, %s) g WHERE t.history_id = %s",
            [others, first.history_id],
        )
        cursor.execute(f"ANALYZE {table}")


def _history_scans(plan, table, sorted_above=False):
    """(scan, whether a Sort sits above it) for each scan of ``table`` in the plan."""
    if plan.get("Relation Name") == table:
        yield plan, sorted_above
    sorted_above = sorted_above or plan["Node Type"] in ("Sort", "Incremental Sort")
    for child in plan.get("Plans", ()):
        yield from _history_scans(child, table, sorted_above)


def _unbounded_reads(captured, model):
    """The scans of ``model``'s history table, in the queries ``captured``, that do not go
    straight to one page of one record's versions: a sequential scan, an index scan that
    filters rows (another record's, or versions it then skips), or one whose rows are then
    sorted (every version of the record, read to sort them). Counting a record's versions
    (the page's "page 3 of 40") reads an index entry per version and is allowed."""
    table = model.history.model._meta.db_table
    found = []
    for query in captured:
        sql = query["sql"]
        if not sql.startswith("SELECT") or f'"{table}"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            [[plan]] = cursor.fetchall()
        for scan, sorted_above in _history_scans(plan[0]["Plan"], table):
            condition = scan.get("Index Cond", "") + scan.get("Recheck Cond", "")
            if "(id = " not in condition or "Filter" in scan or sorted_above:
                found.append(f"{sql}\n  {scan['Node Type']} {scan.get('Index Name', '')}")
    return found


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "make", "page", "api"),
    [
        (AISystem, factories.ai_system, "registry/aisystem", "registry/systems"),
        (Risk, factories.risk, "assessments/risk", "assessments/risks"),
    ],
)
def test_history_of_a_long_lived_record_reads_only_its_page(
    postgres,  # noqa: F811
    model,
    make,
    page,
    api,
    lead,
    client_for,
):
    record = make(lead)
    _add_versions(model, record, OWN_VERSIONS, OTHER_VERSIONS)
    client = client_for(lead)
    urls = [
        f"/history/{page}/{record.pk}/",
        f"/history/{page}/{record.pk}/?page=3",
        f"/api/v1/{api}/{record.pk}/history/",
    ]
    failures = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        failures += _unbounded_reads(captured.captured_queries, model)
    assert not failures, "\n\n".join(failures)


def _query_counts(client, urls):
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(captured))
    return counts


@pytest.mark.services
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "make", "page", "api"),
    [
        (AISystem, factories.ai_system, "registry/aisystem", "registry/systems"),
        (Risk, factories.risk, "assessments/risk", "assessments/risks"),
    ],
)
def test_history_query_counts_are_the_same_at_100_and_1000_versions(
    postgres,  # noqa: F811
    model,
    make,
    page,
    api,
    lead,
    client_for,
):
    record = make(lead)
    history = model.history.model
    first = history.objects.filter(id=record.pk).order_by("history_id").first()
    client = client_for(lead)
    urls = [
        f"/history/{page}/{record.pk}/",
        f"/history/{page}/{record.pk}/?page=2",
        f"/history/{page}/{record.pk}/?version={first.history_id}",
        f"/api/v1/{api}/{record.pk}/history/",
    ]
    list_plans.clone_rows(history, first, 99)
    client.get(urls[0])  # session and role caches warm
    at_100 = _query_counts(client, urls)
    list_plans.clone_rows(history, first, 900, start=100)
    at_1000 = _query_counts(client, urls)
    assert history.objects.filter(id=record.pk).count() == 1000
    assert at_1000 == at_100
