"""Executive dashboard and readiness page at scale: the empty portal against 10,000 AI
systems, 50,000 risks (with history), the whole SoA and, when the audits app has its models,
1,000 findings with corrective actions.

    .venv/bin/python bench/dashboard.py [--systems 10000] [--risks 50000] [--findings 1000]
                                        [--repeat 5]

Uses a throw-away test database (SQLite by default, or DATABASE_URL). On PostgreSQL the
seeded tables are vacuumed and analysed, as autovacuum does within a minute of such a load in
production: without statistics the planner takes 5,000 rows for 50,000 and skips the indexes.
Prints the median of ``--repeat`` requests and the SQL query count for: the dashboard with
the readiness score already computed (as it is for the next five minutes after any visit),
the dashboard that has to compute the score first, and the readiness page (all twelve checks,
live). Targets: the dashboard under 15 queries and within 3x of the empty dashboard; the
readiness page well under a second.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from aims_portal import readiness  # noqa: E402
from aims_portal.models import User  # noqa: E402
from aims_portal.services import tracked_save  # noqa: E402
from assessments.models import ImpactAssessment, Risk  # noqa: E402
from controls.catalogue import load_catalogue  # noqa: E402
from controls.models import Control, SoAEntry  # noqa: E402
from registry.models import AISystem, DataSource, Incident, Supplier  # noqa: E402

REPEAT = 5


def seed_inventory(count, lead):
    suppliers = bulk_create_with_history(
        [Supplier(name=f"Supplier {i}", services="API", owner=lead) for i in range(50)],
        Supplier,
        default_user=lead,
    )
    tiers, stages = list(AISystem.RiskTier), list(AISystem.Stage)
    today = timezone.localdate()
    bulk_create_with_history(
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
                next_review=today + timedelta(days=i % 400),
                log_retention_days=90 if i % 2 else None,
            )
            for i in range(count)
        ],
        AISystem,
        batch_size=2000,
        default_user=lead,
        default_change_reason="Benchmark seed",
    )
    systems = list(AISystem.objects.only("pk"))
    bulk_create_with_history(
        [
            DataSource(system=s, kind=kind, name=f"{kind} data {s.pk}", provenance="Internal")
            for s in systems
            for kind in ("training", "rag")
        ],
        DataSource,
        batch_size=5000,
        default_user=lead,
    )
    now = timezone.now()
    bulk_create_with_history(
        [
            Incident(
                system=s,
                title="Bench incident",
                severity=list(Incident.Severity)[n % 4],
                detected_at=now,
                detection="monitoring",
                description="x",
                status=list(Incident.Status)[n % 4],
                reported_by=lead,
            )
            for n, s in enumerate(systems[: count // 10])
        ],
        Incident,
        batch_size=2000,
        default_user=lead,
    )
    bulk_create_with_history(
        [
            ImpactAssessment(
                reference=f"IA-B-{s.pk}",
                system=s,
                owner=lead,
                status="approved" if n % 2 else "draft",
                next_review=today + timedelta(days=n % 100),
            )
            for n, s in enumerate(systems)
        ],
        ImpactAssessment,
        batch_size=2000,
        default_user=lead,
    )


def seed_risks(count, lead):
    statuses = list(Risk.Status)
    today = timezone.localdate()
    risks = []
    for i in range(count):
        il, ii, rl, ri = 1 + i % 5, 1 + (i // 5) % 5, 1 + (i // 25) % 5, 1 + (i // 125) % 5
        risks.append(
            Risk(
                reference=f"R-{i:06}",
                title=f"Risk {i}",
                owner=lead,
                inherent_likelihood=il,
                inherent_impact=ii,
                inherent_score=il * ii,
                residual_likelihood=rl,
                residual_impact=ri,
                residual_score=rl * ri,
                treatment="mitigate",
                status=statuses[i % len(statuses)],
                review_date=today + timedelta(days=i % 365),
            )
        )
    bulk_create_with_history(risks, Risk, batch_size=5000, default_user=lead)


def seed_soa(lead):
    if Control.objects.count() < 38:
        load_catalogue()
    impl = list(SoAEntry.Implementation)
    for n, entry in enumerate(SoAEntry.objects.all()):
        entry.applicability = "applicable"
        entry.justification = "Bench"
        entry.implementation_status = impl[n % len(impl)]
        tracked_save(entry, lead, "Benchmark seed")


def seed_findings(count, lead):
    """1,000 findings and as many corrective actions, if the audits app has its models."""
    try:
        programme_model = apps.get_model("audits", "AuditProgramme")
        audit_model = apps.get_model("audits", "Audit")
        line_model = apps.get_model("audits", "ChecklistLine")
        finding_model = apps.get_model("audits", "Finding")
        action_model = apps.get_model("audits", "CorrectiveAction")
    except LookupError:
        return 0
    today = timezone.localdate()
    programme = programme_model.objects.create(year=today.year, title="Bench", owner=lead)
    audit = audit_model.objects.create(
        reference="AUD-B-1",
        programme=programme,
        title="Bench audit",
        scope="All",
        lead_auditor=lead,
        planned_start=today,
        planned_end=today,
    )
    requirement = apps.get_model("controls", "Requirement").objects.order_by("pk").first()
    line = line_model.objects.create(
        audit=audit, requirement=requirement, ref=requirement.ref, title=requirement.title
    )
    kinds, statuses = list(finding_model.Kind), list(finding_model.Status)
    findings = bulk_create_with_history(
        [
            finding_model(
                reference=f"F-B-{i:05}",
                audit=audit,
                checklist_line=line,
                requirement_ref=requirement.ref,
                kind=kinds[i % len(kinds)],
                title=f"Finding {i}",
                description="x",
                status=statuses[i % len(statuses)],
                raised_by=lead,
            )
            for i in range(count)
        ],
        finding_model,
        batch_size=2000,
        default_user=lead,
    )
    action_statuses = list(action_model.Status)
    bulk_create_with_history(
        [
            action_model(
                reference=f"CA-B-{i:05}",
                finding=f,
                title=f"Action {i}",
                owner=lead,
                due_date=today + timedelta(days=(i % 60) - 30),
                status=action_statuses[i % len(action_statuses)],
            )
            for i, f in enumerate(findings)
        ],
        action_model,
        batch_size=2000,
        default_user=lead,
    )
    return count


def measure(client, url, cold=False):
    times = []
    for _ in range(REPEAT):
        if cold:
            readiness.forget()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries)


def report(client, label):
    client.get("/")  # warm up: templates, the scoring method, the readiness score
    rows = [
        ("dashboard", *measure(client, "/")),
        ("dashboard, score recomputed", *measure(client, "/", cold=True)),
        ("readiness page", *measure(client, "/readiness/")),
    ]
    for name, ms, queries in rows:
        print(f"{label:<28}{name:<30}{ms:>11.1f}{queries:>9}")
    return rows[0][1], rows[0][2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--risks", type=int, default=50_000)
    parser.add_argument("--findings", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5, help="requests per median")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        lead = User.objects.create_user("lead", password="x" * 16, email="l@example.test")
        lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
        client = Client()
        client.force_login(lead)
        print(f"database: {connection.vendor}")
        print(f"{'data':<28}{'page':<30}{'median ms':>11}{'queries':>9}")
        empty_ms, empty_q = report(client, "empty")
        started = time.perf_counter()
        seed_inventory(args.systems, lead)
        seed_risks(args.risks, lead)
        seed_soa(lead)
        findings = seed_findings(args.findings, lead)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"(seeded in {time.perf_counter() - started:.0f} s)")
        label = f"{args.systems} systems, {args.risks} risks"
        if findings:
            label = f"{args.systems}/{args.risks}/{findings} f."
        full_ms, full_q = report(client, label)
        print(
            f"dashboard: {full_ms:.0f} ms and {full_q} queries with data, {empty_ms:.0f} ms and "
            f"{empty_q} queries empty: {full_ms / empty_ms:.1f}x"
            + ("" if findings else " (no audits models: findings not seeded)")
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
