"""Registry figures at scale: inventory pages at 100 and 10,000 systems (with data sources,
model versions and history), and YAML import / validate of 1,000 files with a Rego rule.

    .venv/bin/python bench/registry_inventory.py [--sizes 100 10000] [--files 1000] [--repeat 5]

Uses a throw-away test database (SQLite by default, or DATABASE_URL). Prints the median of
5 requests and the SQL query count per page and size, then the YAML timings.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from aims_portal.models import User  # noqa: E402
from registry import yaml_io  # noqa: E402
from registry.models import AISystem, DataSource, ModelVersion, Supplier  # noqa: E402
from registry.services import imports  # noqa: E402

REPEAT = 5
EXAMPLES = Path(__file__).resolve().parent.parent / "registry" / "examples"


def seed(target, lead):
    """Bring the inventory to ``target`` systems, each with two data sources and a version."""
    suppliers = list(Supplier.objects.all())
    if not suppliers:
        bulk_create_with_history(
            [Supplier(name=f"Supplier {i}", services="API", owner=lead) for i in range(20)],
            Supplier,
            default_user=lead,
        )
        suppliers = list(Supplier.objects.all())
    have = AISystem.objects.count()
    tiers, stages = list(AISystem.RiskTier), list(AISystem.Stage)
    systems = bulk_create_with_history(
        [
            AISystem(
                slug=f"system-{i}",
                name=f"System {i}",
                owner=lead,
                contact="x@example.test",
                purpose="Benchmark",
                data_sensitivity="pii" if i % 3 == 0 else "internal",
                risk_tier=tiers[i % len(tiers)],
                eu_ai_act_tier="minimal",
                stage=stages[i % len(stages)],
                supplier=suppliers[i % len(suppliers)],
                last_reviewed=timezone.localdate(),
            )
            for i in range(have, target)
        ],
        AISystem,
        batch_size=2000,
        default_user=lead,
        default_change_reason="Benchmark seed",
    )
    systems = list(AISystem.objects.filter(slug__in=[s.slug for s in systems]))
    now = timezone.now()
    bulk_create_with_history(
        [
            DataSource(system=s, kind=kind, name=f"{kind} data of {s.slug}", pii=kind == "rag")
            for s in systems
            for kind in ("training", "rag")
        ],
        DataSource,
        batch_size=2000,
        default_user=lead,
    )
    bulk_create_with_history(
        [ModelVersion(system=s, label="v1", deployed_at=now, recorded_by=lead) for s in systems],
        ModelVersion,
        batch_size=2000,
        default_user=lead,
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


def write_files(folder, count):
    template = (EXAMPLES / "support-assistant.yaml").read_text()
    head, _, rest = template.partition("  evaluation_sources:\n")
    _, _, tail = rest.partition("governance:")
    without_evaluation = f"{head}  evaluation_sources: []\ngovernance:{tail}"
    for i in range(count):
        # One file in ten has no evaluation data: the Rego rule denies it.
        text = without_evaluation if i % 10 == 0 else template
        text = text.replace("id: support-assistant", f"id: bench-{i}")
        (folder / f"bench-{i}.yaml").write_text(text)


def yaml_figures(files, lead):
    folder = Path(tempfile.mkdtemp())
    try:
        write_files(folder, files)
        rego = folder / "policies"
        rego.mkdir()
        shutil.copy(EXAMPLES / "policies" / "production-needs-evaluation-data.rego", rego)
        out = StringIO()
        started = time.perf_counter()
        try:
            call_command("registry", "validate", str(folder), "--policies", str(rego), stdout=out)
            code = 0
        except CommandError as error:
            code = error.returncode
        validate_s = time.perf_counter() - started
        denials = sum(1 for line in out.getvalue().splitlines() if line.startswith("DENY"))
        print(
            f"validate {files} YAML files (3 built-in + 1 Rego rule): {validate_s:.2f} s, "
            f"{denials} denials, exit code {code}"
        )
        started = time.perf_counter()
        result = imports.import_files(yaml_io.yaml_files(folder), actor=lead)
        import_s = time.perf_counter() - started
        print(f"import {files} YAML files: {import_s:.2f} s ({result.summary()})")
    finally:
        shutil.rmtree(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 10_000])
    parser.add_argument("--files", type=int, default=1000, help="0 skips the YAML figures")
    parser.add_argument("--repeat", type=int, default=5, help="requests per median")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        lead = User.objects.create_user("owner", password="x" * 16, email="o@example.test")
        lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
        client = Client()
        client.force_login(lead)
        print(f"{'page':<26}{'systems':>9}{'median ms':>11}{'queries':>9}")
        for size in sorted(args.sizes):
            seed(size, lead)
            system_pk = AISystem.objects.filter(stage="production").order_by("pk").first().pk
            pages = {
                "AI system list": "/inventory/systems/",
                "AI system list, filtered": "/inventory/systems/?risk_tier=high&sort=-name",
                "AI system detail": f"/inventory/systems/{system_pk}/",
                "AI system CSV export": "/inventory/systems/?_export=csv",
                "data source list": "/inventory/data-sources/",
                "API system denials": f"/api/v1/registry/systems/{system_pk}/denials/",
            }
            for name, url in pages.items():
                ms, queries = measure(client, url)
                print(f"{name:<26}{size:>9}{ms:>11.1f}{queries:>9}")
        for name in ("Northwind Models",):
            Supplier.objects.get_or_create(name=name, defaults={"services": "API", "owner": lead})
        if args.files:
            yaml_figures(args.files, lead)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
