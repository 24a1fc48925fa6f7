"""List exports at scale: CSV and XLSX of 10,000 AI systems, risks and findings, as served,
beside the cell-by-cell table rendering they replaced; with ``--all``, every record list.

    .venv/bin/python bench/exports.py [--rows 10000] [--repeat 3] [--all]

Uses a throw-away test database (SQLite by default, or DATABASE_URL). Prints the median
time and SQL query count of each export request, and the time django-tables2's own
``as_values`` takes to produce the same CSV rows.

``--all`` loads the demo data, then fills every other list to ``--rows`` by copying the rows
it shows (``bulk_create``, no history: exports do not read it), each copy's unique values
made unique by a number. A list whose rows cannot be copied that way (one row per catalogue
control, say) is measured at the rows it has, and the table says so.
"""

import argparse
import csv
import datetime
import gc
import io
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import assessments_pages
import audits_pages
import registry_inventory
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone
from django_tables2 import RequestConfig

from aims_portal.records import registered_types
from aims_portal.records.export import neutralise
from audits import services
from audits.models import AuditProgramme, ChecklistLine, Finding
from controls.models import Control, Requirement
from registry.models import AISystem

LISTS = {
    "AI systems": "/inventory/systems/",
    "risks": "/assessments/risks/",
    "findings": "/audits/findings/",
}


def seed(rows):
    lead = audits_pages.user("bench-lead", "governance_lead")
    auditor = audits_pages.user("bench-auditor", "governance_lead")
    registry_inventory.seed(rows, lead)
    assessments_pages.seed(rows, lead, list(AISystem.objects.order_by("pk")[:10]))
    year = timezone.localdate().year
    while AuditProgramme.objects.filter(year=year).exists():  # the demo's, with --all
        year += 1
    programme = services.programme_create(
        actor=lead, data={"year": year, "title": "Bench", "owner": lead}
    )
    start = datetime.date(programme.year, 1, 5)
    audit = services.audit_create(
        actor=lead,
        data={
            "programme": programme,
            "title": "Benchmark audit",
            "scope": "Everything",
            "requirements": list(Requirement.objects.all()),
            "controls": list(Control.objects.all()),
            "lead_auditor": auditor,
            "planned_start": start,
            "planned_end": start + datetime.timedelta(days=5),
        },
    )
    audit = services.audit_transition(audit, "start", actor=lead)
    ChecklistLine.objects.filter(audit=audit).update(result="nonconformity")
    audits_pages.seed(rows, audit, lead, lead)
    return lead


def _varied(field, value, n):
    """``value`` of a unique ``field`` made different for copy ``n``, or None if it cannot."""
    if field.is_relation:
        return None
    if isinstance(field, models.CharField | models.TextField):
        suffix = f"-{n}"
        limit = field.max_length or 10_000
        return f"{(value or '')[: limit - len(suffix)]}{suffix}"
    if isinstance(field, models.DateTimeField):
        return value + datetime.timedelta(minutes=n)
    if isinstance(field, models.DateField):
        return value + datetime.timedelta(days=n)
    if isinstance(field, models.IntegerField):
        return value + n  # ``value`` is the column's largest, so copies never collide
    return None


def _unique_sets(model):
    meta = model._meta
    sets = [(f.name,) for f in meta.concrete_fields if f.unique and not f.primary_key]
    sets += [tuple(names) for names in meta.unique_together]
    sets += [
        tuple(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields
    ]
    return sets


def fill(rt, rows):
    """Copy the rows ``rt``'s list shows until it has ``rows``; returns why not, or ''."""
    model = rt.model
    shown = list(rt.queryset().order_by().values_list("pk", flat=True)[:50])
    if not shown:
        return "no row to copy"
    templates = list(model._default_manager.filter(pk__in=shown))
    varied, emptied = [], []
    for names in _unique_sets(model):
        fields = [model._meta.get_field(name) for name in names]
        field = next((f for f in fields if not f.is_relation and not f.choices), None)
        if field is None and len(fields) == 1 and fields[0].null:
            emptied.append(fields[0].attname)  # copies link to nothing (a first revision)
            continue
        if field is None:
            return f"unique {'/'.join(names)} cannot be copied"
        if field.name not in varied:
            varied.append(field.name)
    # Integer columns count on from their largest value: a small-integer column (a year, a
    # sequence number) holds ten thousand more, where a wide step per copy overflows it.
    largest = {
        name: model._default_manager.aggregate(top=models.Max(name))["top"] or 0
        for name in varied
        if isinstance(model._meta.get_field(name), models.IntegerField)
    }
    missing = rows - rt.queryset().count()
    batch = []
    for n in range(1, missing + 1):
        copy = templates[n % len(templates)]
        values = {
            f.attname: getattr(copy, f.attname)
            for f in model._meta.concrete_fields
            if not f.primary_key
        }
        for name in varied:
            field = model._meta.get_field(name)
            values[field.attname] = _varied(field, largest.get(name, values[field.attname]), n)
        for attname in emptied:
            values[attname] = None
        batch.append(model(**values))
        if len(batch) == 2000:
            model._default_manager.bulk_create(batch)
            batch = []
    model._default_manager.bulk_create(batch)
    return ""


def measure(client, url, repeat):
    client.get(url)  # warm-up
    gc.collect()
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries), len(response.content)


def cell_by_cell(url, lead):
    """The rows as django-tables2 renders them, written as CSV (the former export)."""
    rt = next(r for r in registered_types() if f"/{r.url_path}/" in url)
    request = RequestFactory().get(url)
    request.user = lead
    table = rt.table_class(rt.queryset())
    RequestConfig(request, paginate=False).configure(table)
    started = time.perf_counter()
    writer = csv.writer(io.StringIO())
    for row in table.as_values(exclude_columns=("actions",)):
        writer.writerow([neutralise(cell) for cell in row])
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="every record list, not three")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if args.all:
            call_command("seed_demo", stdout=StringIO())
        lead = seed(args.rows)
        counts = {
            "AI systems": AISystem.objects.count(),
            "risks": assessments_pages.Risk.objects.count(),
            "findings": Finding.objects.count(),
        }
        client = Client()
        client.force_login(lead)
        print(f"database: {connection.vendor}")
        print(f"{'export':<22}{'rows':>7}{'median s':>10}{'queries':>9}{'bytes':>11}")
        for name, url in LISTS.items():
            for fmt in ("csv", "xlsx"):
                seconds, queries, size = measure(client, f"{url}?_export={fmt}", args.repeat)
                label = f"{name} {fmt.upper()}"
                print(f"{label:<22}{counts[name]:>7}{seconds:>10.2f}{queries:>9}{size:>11}")
        print()
        if args.all:
            every_list(client, args)
            return
        print("cell by cell through django-tables2 (the former CSV export), rows only:")
        for name, url in LISTS.items():
            print(f"{name:<22}{counts[name]:>7}{cell_by_cell(url, lead):>10.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def every_list(client, args):
    # An administrator, who may export every list (the bench lead may not export all).
    client.force_login(get_user_model().objects.get(username="admin"))
    print(f"{'list':<26}{'rows':>7}{'CSV s':>8}{'XLSX s':>8}{'queries':>9}  note")
    for rt in sorted(registered_types(), key=lambda r: r.list_url):
        if rt.list_url in LISTS.values():
            continue  # measured above
        note = fill(rt, args.rows)
        url = rt.list_url
        try:
            csv_s, queries, _ = measure(client, f"{url}?_export=csv", args.repeat)
            xlsx_s, _, _ = measure(client, f"{url}?_export=xlsx", args.repeat)
        except AssertionError as refused:
            print(f"{url:<26} not measured: {refused}", flush=True)
            continue
        rows = rt.queryset().count()
        print(f"{url:<26}{rows:>7}{csv_s:>8.2f}{xlsx_s:>8.2f}{queries:>9}  {note}", flush=True)


if __name__ == "__main__":
    main()
