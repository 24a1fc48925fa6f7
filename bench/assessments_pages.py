"""Time and count SQL queries of the risk register, its heat maps and an assessment page.

    .venv/bin/python bench/assessments_pages.py [--sizes 1000 50000]

Uses a throw-away test database (SQLite, or the one in DATABASE_URL). Prints one line per
page and register size: median time over 9 requests (after a warm-up) and the number of
queries. Targets: the same query count at both sizes, the largest size within 2x the time
of the smallest.

The register reuses its heat-map counts until a risk changes, so the register is measured
both ways: as most views see it, and as the first view after a change does (the cache
emptied before each request, so every request counts the whole register again).
"""

import argparse
import gc
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
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from aims_portal import charts  # noqa: E402
from aims_portal.models import User  # noqa: E402
from assessments import services  # noqa: E402
from assessments.models import Risk  # noqa: E402
from assessments.selectors import heat_cells, heat_map_counts_both, scoring_method  # noqa: E402
from registry.models import AISystem  # noqa: E402

REPEAT = 9
TREATMENTS = list(Risk.Treatment.values)
STATUSES = ["open", "open", "open", "accepted", "closed", "pending_acceptance"]


def seed(target, lead, systems):
    """Bring the register to ``target`` risks, each linked to one or two systems."""
    have = Risk.objects.count()
    risks = []
    for i in range(have, target):
        il, ii, rl, ri = 1 + i % 5, 1 + (i // 5) % 5, 1 + (i // 7) % 3, 1 + (i // 3) % 4
        risks.append(
            Risk(
                reference=f"RISK-{i + 1:05}",
                title=f"Benchmark risk {i}",
                description="Seeded by bench/assessments_pages.py",
                source="Benchmark",
                owner=lead,
                inherent_likelihood=il,
                inherent_impact=ii,
                inherent_score=il * ii,
                treatment=TREATMENTS[i % len(TREATMENTS)],
                treatment_plan="Plan",
                residual_likelihood=rl,
                residual_impact=ri,
                residual_score=rl * ri,
                status=STATUSES[i % len(STATUSES)],
            )
        )
    # With their history rows, as every risk the portal writes has one.
    bulk_create_with_history(risks, Risk, batch_size=2000)
    through = Risk.systems.through
    links = [
        through(risk_id=pk, aisystem_id=systems[n % len(systems)].pk)
        for n, pk in enumerate(
            Risk.objects.filter(reference__in=[r.reference for r in risks]).values_list(
                "pk", flat=True
            )
        )
    ]
    through.objects.bulk_create(links, batch_size=2000)
    # Bulk loading leaves the planner's statistics stale; a live database keeps them fresh.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url, before=None):
    client.get(url)  # warm-up
    gc.collect()  # other work on a shared machine makes single runs noisy
    times = []
    for _ in range(REPEAT):
        if before:
            before()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries)


def measure_heat_maps(reuse):
    """The two heat maps alone (selector + SVG), counted afresh or reused."""
    times = []
    heat_map_counts_both(Risk.objects.all(), reuse=reuse)  # warm-up
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            method = scoring_method()
            both = heat_map_counts_both(Risk.objects.all(), reuse=reuse)
            for axis, counts in both.items():
                charts.heat_map(heat_cells(counts, method), size=method.matrix_size, title=axis)
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1_000, 50_000])
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        lead = User.objects.create_user("bench-lead", password="x" * 16)
        lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
        systems = [
            AISystem.objects.create(
                slug=f"bench-{n}",
                name=f"Bench system {n}",
                owner=lead,
                contact="x@example.test",
                purpose="Benchmark",
                data_sensitivity="internal",
                risk_tier="low",
                eu_ai_act_tier="minimal",
            )
            for n in range(10)
        ]
        impact = {
            "category": "privacy",
            "description": "Benchmark impact",
            "likelihood": 3,
            "severity": 4,
            "technical_mitigations": "Filter",
            "residual_likelihood": 1,
            "residual_severity": 2,
        }
        assessment = services.assessment_create(
            actor=lead,
            data={
                "system": systems[0],
                "owner": lead,
                "purpose": "Bench",
                "impacts": [impact] * 12,
            },
        )
        client = Client()
        client.force_login(lead)
        print(f"{'page':<34}{'risks':>8}{'median ms':>11}{'queries':>9}")
        results = {}
        for size in sorted(args.sizes):
            seed(size, lead, systems)
            risk_pk = Risk.objects.order_by("pk").first().pk
            pages = {
                "risk register": "/assessments/risks/",
                "risk register, filtered + sorted": "/assessments/risks/"
                "?inherent_level=High&status=open&sort=-residual_score",
                "risk register, heat-map cell": "/assessments/risks/"
                "?inherent_likelihood=4&inherent_impact=5",
                "risk detail": f"/assessments/risks/{risk_pk}/",
                "assessment detail": assessment.get_absolute_url(),
                "assessment edit form": f"{assessment.get_absolute_url()}edit/",
                "API risk list": "/api/v1/assessments/risks/",
                "dashboard": "/",
            }
            runs = [(name, lambda url=url: measure(client, url)) for name, url in pages.items()]
            runs.insert(
                1,
                (
                    "risk register, after a change",
                    lambda url=pages["risk register"]: measure(client, url, before=cache.clear),
                ),
            )
            runs.append(("heat maps, counted", lambda: measure_heat_maps(reuse=False)))
            runs.append(("heat maps, reused", lambda: measure_heat_maps(reuse=True)))
            for name, run in runs:
                ms, queries = run()
                results.setdefault(name, []).append((ms, queries))
                print(f"{name:<34}{size:>8}{ms:>11.1f}{queries:>9}")
        if len(args.sizes) > 1:
            print()
            print(f"{'page':<34}{'time ratio':>11}{'same queries':>14}")
            for name, rows in results.items():
                ratio = rows[-1][0] / rows[0][0]
                same = "yes" if rows[-1][1] == rows[0][1] else "NO"
                print(f"{name:<34}{ratio:>10.2f}x{same:>14}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
