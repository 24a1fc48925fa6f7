"""List exports at scale: CSV and XLSX of 10,000 AI systems, risks and findings, as served,
beside the cell-by-cell table rendering they replaced.

    .venv/bin/python bench/exports.py [--rows 10000] [--repeat 3]

Uses a throw-away test database (SQLite by default, or DATABASE_URL). Prints the median
time and SQL query count of each export request, and the time django-tables2's own
``as_values`` takes to produce the same CSV rows.
"""

import argparse
import csv
import datetime
import gc
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import assessments_pages
import audits_pages
import registry_inventory
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone
from django_tables2 import RequestConfig

from aims_portal.records import registered_types
from aims_portal.records.export import neutralise
from audits import services
from audits.models import ChecklistLine, Finding
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
    programme = services.programme_create(
        actor=lead, data={"year": timezone.localdate().year, "title": "Bench", "owner": lead}
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
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
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
        print("cell by cell through django-tables2 (the former CSV export), rows only:")
        for name, url in LISTS.items():
            print(f"{name:<22}{counts[name]:>7}{cell_by_cell(url, lead):>10.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
