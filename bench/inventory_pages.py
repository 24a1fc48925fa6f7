"""Time and count SQL queries of the inventory pages at two data sizes.

    .venv/bin/python bench/inventory_pages.py [--sizes 100 10000]

Uses a throw-away SQLite database (or the database in DATABASE_URL, where it creates and
drops its own tables through Django's test database machinery). Prints one line per page
and size: median time over 5 requests and the number of queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from aims_portal.models import User  # noqa: E402
from registry.models import AISystem, Supplier  # noqa: E402

REPEAT = 5


def seed(target, lead):
    """Bring the inventory to ``target`` systems, spread over 20 suppliers."""
    suppliers = list(Supplier.objects.all())
    if not suppliers:
        Supplier.objects.bulk_create(
            Supplier(name=f"Supplier {i}", services="API", owner=lead) for i in range(20)
        )
        suppliers = list(Supplier.objects.all())
    have = AISystem.objects.count()
    tiers, stages = list(AISystem.RiskTier), list(AISystem.Stage)
    AISystem.objects.bulk_create(
        (
            AISystem(
                slug=f"system-{i}",
                name=f"System {i}",
                owner=lead,
                contact="x@example.test",
                purpose="Benchmark",
                data_sensitivity="internal",
                risk_tier=tiers[i % len(tiers)],
                eu_ai_act_tier="minimal",
                stage=stages[i % len(stages)],
                supplier=suppliers[i % len(suppliers)],
            )
            for i in range(have, target)
        ),
        batch_size=2000,
    )


def measure(client, url):
    times = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 10_000])
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        lead = User.objects.create_user("bench-lead", password="x" * 16)
        lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
        client = Client()
        client.force_login(lead)
        supplier_pk = None
        print(f"{'page':<28}{'systems':>9}{'median ms':>11}{'queries':>9}")
        for size in sorted(args.sizes):
            seed(size, lead)
            supplier_pk = supplier_pk or Supplier.objects.order_by("pk").first().pk
            system_pk = AISystem.objects.order_by("pk").first().pk
            pages = {
                "dashboard": "/",
                "AI system list": "/inventory/systems/",
                "AI system list, filtered": "/inventory/systems/?risk_tier=high&sort=-name",
                "AI system detail": f"/inventory/systems/{system_pk}/",
                "supplier detail (panel)": f"/inventory/suppliers/{supplier_pk}/",
                "API system list": "/api/v1/registry/systems/",
            }
            for name, url in pages.items():
                ms, queries = measure(client, url)
                print(f"{name:<28}{size:>9}{ms:>11.1f}{queries:>9}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
