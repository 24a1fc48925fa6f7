"""The operator's path, end to end: the demo data plus generated links and uploads, backed up,
then restored by `manage.py restore` into a database that `manage.py migrate` has just made
(with its reference data), in another process; the counts are identical and
`manage.py verify_ledger` passes there. On PostgreSQL, the pg_dump/pg_restore route for large
installations is checked the same way."""

import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from aims_portal import backup
from aims_portal.models import User
from audits import services as audits
from audits.models import CorrectiveAction
from integrity import signing
from registry.models import AISystem

from . import factories
from .conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
COUNTS = "import json; from aims_portal import backup; print(json.dumps(backup.counts()))"


@pytest.fixture
def demo_estate(settings, tmp_path):
    """seed_demo, then risks linked to several systems and files attached to actions."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=StringIO())
    lead = User.objects.get(username="lead")
    systems = list(AISystem.objects.order_by("pk"))
    for n in range(5):
        factories.risk(lead, title=f"Generated risk {n}", systems=systems[: n % 3 + 1])
    for n, action in enumerate(CorrectiveAction.objects.order_by("pk")[:3]):
        audits.evidence_add(
            actor=lead,
            data={
                "kind": "file",
                "title": f"Evidence {n}",
                "corrective_action": action,
                "upload": SimpleUploadedFile(f"evidence-{n}.pdf", b"%PDF-1.4 " + bytes([n]) * 50),
            },
        )
    return backup.counts()


def _environment(tmp_path):
    """The environment of a portal process on the fresh database, with this ledger's key."""
    pem = signing.private_key().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "AIMS_BACKUP_PASSPHRASE"}
    }
    env.update(
        LEDGER_SIGNING_KEY=pem.decode(),
        AIMS_DATA_DIR=str(tmp_path / "fresh"),
        MEDIA_ROOT=str(tmp_path / "fresh-media"),
    )
    return env


@contextmanager
def fresh_database(tmp_path):
    """A new, empty database (PostgreSQL or SQLite, as the tests run) for other processes."""
    env = _environment(tmp_path)
    if connection.vendor != "postgresql":
        yield env
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    )
    env["PG_TARGET"] = name
    try:
        yield env
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def restored_counts(env):
    return json.loads(manage(env, "shell", "-c", COUNTS).splitlines()[-1])


def test_demo_data_restores_into_a_freshly_migrated_database(demo_estate, tmp_path):
    secret, public = backup.generate_identity()
    identity = tmp_path / "key.txt"
    identity.write_text(secret + "\n")
    path = tmp_path / "demo.age"
    manifest = backup.backup(path, recipients=[public])
    assert manifest["counts"]["assessments.risk_systems"] >= 6
    # Every stored file: the demo's controlled documents and the three generated uploads.
    media_root = Path(settings.MEDIA_ROOT)
    stored = sorted(p.name for p in media_root.rglob("*") if p.is_file())
    assert {"evidence-0.pdf", "evidence-1.pdf", "evidence-2.pdf"} <= set(stored)
    assert len(manifest["media"]) == len(stored) > 3
    with fresh_database(tmp_path) as env:
        manage(env, "migrate", "--verbosity=0")
        output = manage(env, "restore", str(path), "--identity", str(identity))
        assert "every count matches" in output
        assert restored_counts(env) == demo_estate
        assert "OK: the ledger is intact." in manage(env, "verify_ledger")
    restored = sorted(p.name for p in (tmp_path / "fresh-media").rglob("*") if p.is_file())
    assert restored == stored


@pytest.mark.services
def test_pg_dump_and_pg_restore_give_a_database_whose_ledger_verifies(demo_estate, tmp_path):
    require_service("DATABASE_URL", "PostgreSQL")
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point to PostgreSQL")
    db = connection.settings_dict
    pg = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    where = ["-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    dump = tmp_path / "aims.dump"
    subprocess.run(
        ["pg_dump", "-Fc", *where, "-d", db["NAME"], "-f", str(dump)], env=pg, check=True
    )
    with fresh_database(tmp_path) as env:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *where, "-d", env["PG_TARGET"], dump],
            env=pg,
            check=True,
        )
        assert restored_counts(env) == demo_estate
        assert "OK: the ledger is intact." in manage(env, "verify_ledger")
