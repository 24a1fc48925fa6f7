"""Load test: the portal under gunicorn with production settings on PostgreSQL, driven by
locust with a mixed browse-and-edit workload (bench/locustfile.py).

    .venv/bin/python bench/load_test.py [--users 50] [--seconds 60] [--workers 5]

Steps: drop and recreate the database (default aims_load on 127.0.0.1:5432, user postgres),
migrate, load the demo data plus a realistic amount of records (``--systems``, ``--risks``,
``--suppliers``), collect static files, start gunicorn on a free loopback port, run locust
headless, stop gunicorn. Prints requests/s, median and 95th percentile response times and
the error count, overall and per request. Targets on a 2-core machine: 0 errors, p95 under
300 ms. Not part of the test suite.

Production settings over plain HTTP on loopback: SECURE_SSL_REDIRECT=0 (the settings read
it) keeps gunicorn answering HTTP; cookies stay Secure and the locust users send them
themselves. Every other production setting is as deployed.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, env, **kwargs):
    print("$", " ".join(str(a) for a in args)[:160], flush=True)
    return subprocess.run(args, env=env, cwd=ROOT, check=True, **kwargs)


def recreate_database(name, host, port):
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(
            ["psql", "-h", host, "-p", str(port), "-U", "postgres", "-d", "postgres", "-qc", sql],
            check=True,
        )


def signing_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)


SEED = r"""
import json, random, sys
from datetime import date, timedelta
from django.contrib.auth import get_user_model
from aims_portal.api_tokens import api_token_create
from assessments import services as assessments
from assessments.models import Risk
from registry import services as registry
from registry.models import AISystem, Supplier

systems_n, risks_n, suppliers_n = map(int, sys.argv[1:4])
User = get_user_model()
lead, owner = User.objects.get(username="lead"), User.objects.get(username="owner")
random.seed(42)
for i in range(Supplier.objects.count(), suppliers_n):
    registry.supplier_create(actor=lead, data={
        "name": f"Supplier {i:03d}", "services": "Hosted model API", "owner": lead,
        "due_diligence_status": random.choice(["approved", "in_progress", "conditional"]),
        "next_review": date.today() + timedelta(days=random.randint(-30, 300)),
    })
for i in range(AISystem.objects.count(), systems_n):
    registry.ai_system_create(actor=lead, data={
        "slug": f"load-system-{i:03d}", "name": f"Load system {i:03d}",
        "owner": random.choice([lead, owner]), "contact": "team@aims.example",
        "purpose": "Classify and route documents for back-office teams.",
        "data_sensitivity": random.choice(["internal", "confidential", "pii"]),
        "risk_tier": random.choice(["low", "medium", "high"]),
        "eu_ai_act_tier": random.choice(["minimal", "limited", "high"]),
        "regions": ["eu"], "affected_parties": ["customers"],
        "next_review": date.today() + timedelta(days=random.randint(-20, 365)),
    })
systems = list(AISystem.objects.all())
for i in range(Risk.objects.count(), risks_n):
    assessments.risk_create(actor=lead, data={
        "title": f"Load risk {i:04d}", "description": "Seeded for the load test.",
        "owner": random.choice([lead, owner]), "systems": random.sample(systems, 2),
        "inherent_likelihood": random.randint(1, 5), "inherent_impact": random.randint(1, 5),
        "treatment": "mitigate", "treatment_plan": "Monitor and review.",
        "residual_likelihood": random.randint(1, 3), "residual_impact": random.randint(1, 3),
        "review_date": date.today() + timedelta(days=random.randint(10, 300)),
    })
tokens = [api_token_create(User.objects.get(username=u)).key
          for u in ("lead", "owner")]
# Signed-in sessions, as after a login: one per simulated person, roles mixed like a team.
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
store = import_module(settings.SESSION_ENGINE).SessionStore
sessions = []
people = ["lead", "lead", "owner", "exec", "auditor"]
for n in range(int(sys.argv[4])):
    user = User.objects.get(username=people[n % len(people)])
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "aims_portal.auth_backends.PortalModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions.append([user.username, session.session_key])
ids = {
    "systems": list(AISystem.objects.values_list("pk", flat=True)),
    "risks": list(Risk.objects.values_list("pk", flat=True)),
    "suppliers": list(Supplier.objects.values_list("pk", flat=True)),
}
print("LOAD_DATA=" + json.dumps({"tokens": tokens, "ids": ids, "sessions": sessions}))
"""


def aggregated(csv_prefix):
    with open(f"{csv_prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    return rows, next(r for r in rows if r["Name"] == "Aggregated")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (2 x cores + 1)")
    parser.add_argument("--database", default="aims_load")
    parser.add_argument("--db-host", default="127.0.0.1")
    parser.add_argument("--db-port", type=int, default=5432)
    parser.add_argument("--systems", type=int, default=150)
    parser.add_argument("--risks", type=int, default=400)
    parser.add_argument("--suppliers", type=int, default=40)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and static files of the previous run (no drop, no seeding)",
    )
    args = parser.parse_args()

    work = Path(tempfile.gettempdir()) / "aims-load"
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(exist_ok=True)
    port = free_port()
    key = work / "ledger-key.pem"
    if not key.exists():
        signing_key(key)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aims_portal.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": (f"postgres://postgres@{args.db_host}:{args.db_port}/{args.database}"),
        "LEDGER_SIGNING_KEY_FILE": str(key),
        "AIMS_DATA_DIR": str(work),
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    python = str(VENV_BIN / "python")

    started = time.monotonic()
    if not args.reuse:
        recreate_database(args.database, args.db_host, args.db_port)
        run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
        run([python, "manage.py", "seed_demo"], env, stdout=subprocess.DEVNULL)
    seeded = run(
        [python, "manage.py", "shell", "-c",
         f"import sys; sys.argv = ['seed', '{args.systems}', '{args.risks}', "
         f"'{args.suppliers}', '{args.users}']\n{SEED}"],
        env, capture_output=True, text=True,
    )  # fmt: skip
    line = next(x for x in seeded.stdout.splitlines() if x.startswith("LOAD_DATA="))
    data = json.loads(line.split("=", 1)[1])
    if not (work / "static" / "staticfiles.json").exists():
        run([python, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    print(f"database ready in {time.monotonic() - started:.0f} s", flush=True)

    gunicorn = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "aims_portal.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--access-logfile", "-", "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer /health/")
        prefix = work / "locust"
        locust_env = {
            **os.environ,
            "LOAD_TOKENS": ",".join(data["tokens"]),
            "LOAD_IDS": json.dumps(data["ids"]),
            "LOAD_SESSIONS": json.dumps(data["sessions"]),
            "LOAD_SUMMARY": str(work / "steady.json"),
        }
        subprocess.run(
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 10)),
             "-t", f"{args.seconds}s", "-H", base, "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "5"],
            env=locust_env, cwd=ROOT, check=False,
        )  # fmt: skip
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)

    rows, total = aggregated(prefix)
    print(f"\n{'request':<52} {'count':>6} {'errors':>6} {'p50':>6} {'p95':>6}")
    for r in rows:
        if r["Name"] != "Aggregated":
            name = f"{r['Type']} {r['Name']}"[:52]
            print(
                f"{name:<52} {r['Request Count']:>6} {r['Failure Count']:>6} "
                f"{r['50%']:>6} {r['95%']:>6}"
            )
    failures = work / "locust_failures.csv"
    if failures.exists():
        with open(failures) as rows_file:
            for r in csv.DictReader(rows_file):
                print(f"failure: {r['Method']} {r['Name']}: {r['Error'][:200]} x{r['Occurrences']}")
    print(
        f"\n{args.users} users, {args.seconds} s, {args.workers} gunicorn workers: "
        f"{float(total['Requests/s']):.1f} requests/s, p50 {total['50%']} ms, "
        f"p95 {total['95%']} ms, {total['Failure Count']} errors "
        f"of {total['Request Count']} requests"
    )
    steady = json.loads((work / "steady.json").read_text())
    seconds = args.seconds
    print(
        f"without the {args.users} logins: {steady['requests'] / seconds:.1f} requests/s, "
        f"p50 {steady['p50']} ms, p95 {steady['p95']} ms, {steady['failures']} errors "
        f"of {steady['requests']} requests; {steady['exceptions']} exceptions in the tasks"
    )
    errors = int(total["Failure Count"]) + steady["exceptions"]
    ok = errors == 0 and float(total["95%"]) < 300
    print("target (0 errors, p95 < 300 ms):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
