"""The audit report of an audit with 1,000 findings, rendered by a real Celery worker: how
long the request that asks for it takes, and how long until the file is ready (PDF and Word).

    DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… \\
        .venv/bin/python bench/audit_report_job.py [--findings 1000]

Needs PostgreSQL (the worker and this script share the throw-away test database) and Redis.
Starts one worker (solo pool) for the run and stops it at the end.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import audits_pages  # noqa: E402  (sets up Django)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from audits import services  # noqa: E402
from audits.models import ChecklistLine, ReportExport  # noqa: E402
from controls.models import Control, Requirement  # noqa: E402


def start_worker():
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "test"}
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "aims_portal", "worker", "--pool=solo"),
            *("--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING"),
        ],
        cwd=ROOT,
        env=env,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not os.environ.get("CELERY_BROKER_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).")

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    worker = None
    try:
        lead = audits_pages.user("bench-lead", "governance_lead")
        auditor = audits_pages.user("bench-auditor", "governance_lead")
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
        audits_pages.seed(args.findings, audit, lead, lead)
        worker = start_worker()
        client = Client()
        client.force_login(lead)
        client.get(audit.get_absolute_url())  # warm-up: the process's first request loads the URLs
        print(f"database: {connection.vendor}, findings: {audit.findings.count()}")
        print(f"load average before: {os.getloadavg()}")
        print(f"{'format':<8}{'request ms':>12}{'ready after s':>15}{'worker s':>10}{'bytes':>10}")
        # The process's first request also opens the broker connection: the PDF is asked for
        # again after the DOCX, so the figures show that request both cold and warm.
        for fmt in ("pdf", "docx", "pdf"):
            started = time.perf_counter()
            response = client.post(f"/audits/audits/{audit.pk}/report/", {"format": fmt})
            asked = time.perf_counter() - started
            assert response.status_code == 302, response.status_code
            job = ReportExport.objects.order_by("-pk").first()
            while job.status in ("queued", "running"):
                time.sleep(0.2)
                job.refresh_from_db()
            ready = time.perf_counter() - started
            assert job.status == "done", job.error
            worked = (job.finished_at - job.created_at).total_seconds()
            print(f"{fmt:<8}{asked * 1000:>12.0f}{ready:>15.1f}{worked:>10.1f}{job.file.size:>10}")
        print(f"load average after: {os.getloadavg()}")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
