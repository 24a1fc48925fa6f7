"""``manage.py registry validate --offline``: no database, built-in and file rules, exit
codes a CI job or a pre-commit hook can use."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "tests" / "registry_article"


def run(*args):
    # A database that cannot be reached: --offline must not need it.
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "registry", "validate", "--offline", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(ARTICLE / "models" / "claude-rag-assistant.yaml", folder)
    return folder


def test_clean_folder_exits_0_without_a_database(models):
    done = run("--policies", str(ARTICLE / "policies"), str(models))
    assert done.returncode == 0, done.stderr
    assert "1 files, 4 rules: 0 invalid, 0 denials" in done.stdout


def test_denials_exit_1_one_line_each_naming_the_rule(models):
    path = models / "claude-rag-assistant.yaml"
    path.write_text(path.read_text().replace('  last_reviewed: "2026-01-15"\n', ""))
    done = run("--policies", str(ARTICLE / "policies"), str(models))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "DENY claude-rag-assistant.yaml: production-needs-review-date: in production without "
        "a review date (governance.last_reviewed)",
        'DENY claude-rag-assistant.yaml: file:model_registry.rego: model "claude-rag-assistant" '
        "has no review date",
    ]


def test_invalid_file_exits_1_with_line_and_key(models):
    path = models / "claude-rag-assistant.yaml"
    path.write_text(path.read_text().replace("risk_tier: high", "risk_tier: extreme"))
    done = run(str(models))
    assert done.returncode == 1
    assert "ERROR claude-rag-assistant.yaml: line 13: classification.risk_tier:" in done.stdout


def test_nothing_to_check_exits_2(tmp_path):
    assert run(str(tmp_path / "missing")).returncode == 2
    assert run(str(tmp_path)).returncode == 2


@pytest.mark.django_db
def test_offline_runs_no_query(models, django_assert_num_queries):
    from io import StringIO

    from django.core.management import call_command

    with django_assert_num_queries(0):
        call_command("registry", "validate", "--offline", str(models), stdout=StringIO())
