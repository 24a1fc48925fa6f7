"""Backup then restore into an empty database gives back every row, history included."""

import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aims_portal import backup
from registry import services
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def populated(lead, owner):
    supplier = factories.supplier(lead, name="Northwind")
    factories.ai_system(lead, owner=owner, supplier=supplier)
    services.supplier_update(
        supplier, actor=lead, data={"services": "LLM"}, expected_version=1, reason="Scope"
    )
    return backup.counts()


def _empty_database():
    # As good as a newly migrated database for restore: it holds no users.
    call_command("flush", interactive=False, verbosity=0)


def test_restore_brings_back_every_count(populated, tmp_path):
    path = tmp_path / "backup.zip"
    call_command("backup", str(path))
    _empty_database()
    assert Supplier.objects.count() == 0
    call_command("restore", str(path))
    assert backup.counts() == populated
    supplier = Supplier.objects.get(name="Northwind")
    assert [v.history_change_reason for v in supplier.history.order_by("history_id")] == [
        "Created",
        "Scope",
    ]
    assert supplier.history.first().history_user.username == "lead"
    assert AISystem.objects.get().supplier == supplier


def test_restore_refuses_a_database_that_holds_records(populated, tmp_path):
    path = tmp_path / "backup.zip"
    backup.backup(path)
    with pytest.raises(CommandError, match="already holds records"):
        call_command("restore", str(path))
    assert backup.counts() == populated


def test_restore_refuses_altered_data(populated, tmp_path):
    path, altered = tmp_path / "backup.zip", tmp_path / "altered.zip"
    backup.backup(path)
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(altered, "w") as copy:
        for name in original.namelist():
            content = original.read(name)
            if name == "data.json":
                content = content.replace(b"Northwind", b"Southwind")
            copy.writestr(name, content)
    _empty_database()
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command("restore", str(altered))
    assert Supplier.objects.count() == 0


def test_restore_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("hello")
    with pytest.raises(CommandError, match="not a portal backup"):
        call_command("restore", str(path))


def test_manifest_lists_counts_per_table(populated, tmp_path):
    path = tmp_path / "backup.zip"
    backup.backup(path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["registry.supplier"] == 1
    assert manifest["counts"]["registry.historicalsupplier"] == 2
