"""Time and count SQL queries of the audit page and the findings list.

    .venv/bin/python bench/audits_pages.py [--sizes 10 1000]

Uses a throw-away test database (SQLite, or the one in DATABASE_URL). One audit in progress
gets ``size`` findings, each with a corrective action (a third of them overdue) and an
evidence item. Prints one line per page and size: median time over 9 requests (3 for the
PDF; after a warm-up) and the number of queries. Target: the same query count at every size.
"""

import argparse
import datetime
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from aims_portal.models import User  # noqa: E402
from audits import services  # noqa: E402
from audits.models import ChecklistLine, CorrectiveAction, EvidenceItem, Finding  # noqa: E402
from controls.models import Control, Requirement  # noqa: E402

REPEAT = 9
KINDS = ["major_nc", "minor_nc", "observation", "ofi"]


def user(name, role):
    person = User.objects.create_user(name, password="x" * 16, first_name=name.title())
    person.groups.add(Group.objects.get_or_create(name=role)[0])
    return person


def seed(target, audit, lead, owner):
    """Bring the audit to ``target`` findings (bulk: the services are exercised by tests)."""
    have = Finding.objects.count()
    lines = list(audit.checklist.all())
    today = timezone.localdate()
    findings = [
        Finding(
            reference=f"F-{today.year}-{i + 1:05}",
            audit=audit,
            checklist_line=lines[i % len(lines)],
            requirement_ref=f"{lines[i % len(lines)].ref} {lines[i % len(lines)].title}",
            kind=KINDS[i % len(KINDS)],
            title=f"Benchmark finding {i}",
            description="Seeded by bench/audits_pages.py",
            raised_by=lead,
        )
        for i in range(have, target)
    ]
    Finding.objects.bulk_create(findings, batch_size=2000)
    created = Finding.objects.filter(reference__in=[f.reference for f in findings])
    actions, evidence = [], []
    for n, finding in enumerate(created, start=have):
        due = today + datetime.timedelta(days=-5 if n % 3 == 0 else 30)
        actions.append(
            CorrectiveAction(
                reference=f"CA-{today.year}-{n + 1:05}",
                finding=finding,
                title=f"Benchmark action {n}",
                action="Fix it",
                root_cause="Cause",
                owner=owner,
                due_date=due,
                status="in_progress" if n % 2 else "open",
            )
        )
        evidence.append(
            EvidenceItem(
                kind="link",
                title=f"Proof {n}",
                url="https://evidence.example/x",
                finding=finding,
                attached_to=f"finding: {finding}",
                added_by=lead,
            )
        )
    CorrectiveAction.objects.bulk_create(actions, batch_size=2000)
    EvidenceItem.objects.bulk_create(evidence, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url, repeat=REPEAT):
    client.get(url)  # warm-up
    gc.collect()
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10, 1_000])
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        lead = user("bench-lead", "governance_lead")
        auditor = user("bench-auditor", "governance_lead")
        owner = user("bench-owner", "governance_lead")
        programme = services.programme_create(
            actor=lead,
            data={"year": timezone.localdate().year, "title": "Bench", "owner": lead},
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
        client = Client()
        client.force_login(lead)
        print(f"{'page':<34}{'findings':>9}{'median ms':>11}{'queries':>9}")
        results = {}
        for size in sorted(args.sizes):
            seed(size, audit, lead, owner)
            finding = Finding.objects.order_by("pk").first()
            pages = {
                "audit page (checklist, findings)": audit.get_absolute_url(),
                "findings list": "/audits/findings/",
                "findings list, open minor": "/audits/findings/?status=open&kind=minor_nc",
                "corrective actions, overdue": "/audits/actions/?overdue=true",
                "finding detail": finding.get_absolute_url(),
                "audit report PDF": f"/audits/audits/{audit.pk}/report.pdf",
                "API findings list": "/api/v1/audits/findings/",
                "dashboard": "/",
            }
            for name, url in pages.items():
                # A PDF of a thousand findings takes tens of seconds: three runs are enough.
                ms, queries = measure(client, url, 3 if url.endswith(".pdf") else REPEAT)
                results.setdefault(name, []).append((ms, queries))
                print(f"{name:<34}{size:>9}{ms:>11.1f}{queries:>9}")
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
