"""The registry in git at scale: offline validation of 1,000 files (``registry validate
--offline``, built-in rules and the article's Rego policy) and a sync of a 1,000-file git
repository (first import, then an unchanged re-sync, then one file changed).

    .venv/bin/python bench/registry_git.py [--files 1000]

Builds the repository with the git command in a temporary folder; the sync runs on a
throw-away test database (SQLite by default, or DATABASE_URL). Targets: validation under
5 s, the first sync under 30 s.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from aims_portal.models import User  # noqa: E402
from registry import gitsync  # noqa: E402

ARTICLE = ROOT / "tests" / "registry_article"


def document(i, owner):
    stage = ("proposed", "development")[i % 2]
    return {
        "id": f"system-{i:04}",
        "name": f"System {i}",
        "owner": owner,
        "contact": f"system-{i}@example.com",
        "deployment": {"environment": "development", "regions": ["eu-west-1"]},
        "classification": {
            "purpose": "Answer questions from staff",
            "data_sensitivity": ("internal", "pii")[i % 2],
            "risk_tier": ("low", "medium", "high")[i % 3],
            "eu_ai_act_tier": "minimal",
            "affected_parties": ["staff"],
        },
        "model": {"type": "llm-rag", "base_model": "model-a", "version_pinned": True},
        "data": {
            "training_sources": "none-fine-tuning",
            "rag_sources": [{"name": "kb", "location": "s3://kb/", "pii": False}],
        },
        "governance": {"impact_assessment_id": f"IA-2026-{i:03}", "approved_by": ["cto", "dpo"]},
        "lifecycle": {"stage": stage},
    }


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def build_repo(folder, files, owner):
    git(folder, "init", "-q", "-b", "main")
    git(folder, "config", "user.name", "Bench")
    git(folder, "config", "user.email", "bench@example.com")
    models = folder / "models"
    models.mkdir()
    for i in range(files):
        text = yaml.safe_dump(document(i, owner), sort_keys=False)
        (models / f"system-{i:04}.yaml").write_text(text)
    git(folder, "add", "models")
    git(folder, "commit", "-q", "-m", f"{files} systems")


def timed(label, fn):
    """Wall time, and CPU time of this process and its children: on a shared machine the
    wall time grows with the load, the CPU time much less."""
    started, cpu = time.perf_counter(), _cpu()
    result = fn()
    elapsed, used = time.perf_counter() - started, _cpu() - cpu
    print(f"{label:<48} {elapsed:7.2f} s wall {used:7.2f} s CPU  (load {os.getloadavg()[0]:.1f})")
    return result, elapsed


def _cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "registry"
        repo.mkdir()
        build_repo(repo, args.files, "bench-lead")
        # Offline validation: a separate process, as a CI job or pre-commit hook runs it,
        # with a database URL that cannot be reached.
        env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
        command = [
            sys.executable,
            "manage.py",
            "registry",
            "validate",
            "--offline",
            "--policies",
            str(ARTICLE / "policies"),
            str(repo / "models"),
        ]
        done, elapsed = timed(
            f"validate --offline, {args.files} files (process)",
            lambda: subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True),
        )
        print(f"  exit {done.returncode}: {(done.stdout or done.stderr).strip().splitlines()[-1]}")
        print(f"  target < 5 s: {'met' if elapsed < 5 else 'MISSED'}")

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0)
        try:
            lead = User.objects.create(username="bench-lead", email="lead@example.com")
            lead.groups.add(Group.objects.get_or_create(name="governance_lead")[0])
            with override_settings(REGISTRY_GIT_CACHE=Path(tmp) / "cache"):
                result, elapsed = timed(
                    f"sync, {args.files}-file repository (first)",
                    lambda: gitsync.sync(repo=str(repo), ref="main", actor=lead),
                )
                print(f"  {result.summary()}")
                print(f"  target < 30 s: {'met' if elapsed < 30 else 'MISSED'}")
                result, _ = timed(
                    "sync again, nothing changed",
                    lambda: gitsync.sync(repo=str(repo), ref="main", actor=lead),
                )
                print(f"  {result.summary()}")
                path = repo / "models" / "system-0000.yaml"
                path.write_text(path.read_text().replace("System 0", "System zero"))
                git(repo, "commit", "-q", "-am", "Rename one")
                result, _ = timed(
                    "sync after one file changed",
                    lambda: gitsync.sync(repo=str(repo), ref="main", actor=lead),
                )
                print(f"  {result.summary()}")
                _, _ = timed(
                    "export back as a commit on a branch",
                    lambda: gitsync.export_commit(repo=str(repo), branch="export", actor=lead),
                )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
