"""Backup and restore of the whole portal: every record with its full history, the users
and roles, and the uploaded files, in one ZIP with a manifest.

Rules enforced here:
- a backup records, per model, how many rows it holds, and the SHA-256 of its data;
- a restore goes only into a new database (migrated, no users yet: nothing is merged or
  overwritten), checks the data against the manifest before loading, loads everything in
  one transaction, and compares the counts afterwards; any difference undoes it all.
"""

import hashlib
import io
import json
import zipfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import management
from django.db import transaction
from django.utils import timezone

FORMAT = "aims-portal-backup/1"
# Rebuilt by migrations on any database, so neither saved nor restored.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


class RestoreError(Exception):
    pass


def _models():
    skip = {label for label in EXCLUDED if "." in label}
    skip_apps = {label for label in EXCLUDED if "." not in label}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in skip_apps or meta.label_lower in skip or not meta.managed:
            continue
        if meta.proxy:
            continue
        yield model


def counts():
    return {model._meta.label_lower: model._base_manager.count() for model in _models()}


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def backup(target):
    """Write a backup ZIP to ``target`` (a path or a binary file); return the manifest."""
    data = io.StringIO()
    management.call_command(
        "dumpdata",
        *[f"--exclude={label}" for label in EXCLUDED],
        natural_foreign=True,
        natural_primary=False,
        indent=None,
        stdout=data,
    )
    payload = data.getvalue().encode()
    media_root = Path(settings.MEDIA_ROOT)
    media = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", payload)
        for path in _media_files():
            name = path.relative_to(media_root).as_posix()
            content = path.read_bytes()
            media[name] = hashlib.sha256(content).hexdigest()
            archive.writestr(f"media/{name}", content)
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "data_sha256": hashlib.sha256(payload).hexdigest(),
            "counts": counts(),
            "media": media,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def _database_is_new():
    # Migrations load reference data (role groups, the control catalogue) but never users:
    # a database without users holds nothing that a restore could overwrite.
    return not apps.get_model(settings.AUTH_USER_MODEL)._base_manager.exists()


def restore(source):
    """Load a backup ZIP into an empty database; return the manifest's counts."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as error:
        raise RestoreError("This file is not a portal backup (not a ZIP archive).") from error
    with archive:
        names = set(archive.namelist())
        if not {"manifest.json", "data.json"} <= names:
            raise RestoreError(
                "This ZIP is not a portal backup: manifest.json or data.json missing."
            )
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            raise RestoreError(f"Unknown backup format {manifest.get('format')!r}.")
        payload = archive.read("data.json")
        if hashlib.sha256(payload).hexdigest() != manifest["data_sha256"]:
            raise RestoreError("data.json does not match the manifest's SHA-256: refusing it.")
        for name, digest in manifest["media"].items():
            if hashlib.sha256(archive.read(f"media/{name}")).hexdigest() != digest:
                raise RestoreError(f"Uploaded file {name} does not match the manifest.")
        if not _database_is_new():
            raise RestoreError(
                "The database already holds records. Restore into a freshly migrated, empty "
                "database (run `manage.py migrate` on a new one)."
            )
        with transaction.atomic():
            # The backup brings its own copy of the reference data that migrations loaded.
            management.call_command("flush", interactive=False, verbosity=0)
            fixture = Path(settings.DATA_DIR) / ".restore-data.json"
            fixture.parent.mkdir(parents=True, exist_ok=True)
            fixture.write_bytes(payload)
            try:
                management.call_command("loaddata", str(fixture), verbosity=0)
            finally:
                fixture.unlink(missing_ok=True)
            restored = counts()
            expected = manifest["counts"]
            wrong = {
                label: (expected.get(label, 0), restored.get(label, 0))
                for label in set(expected) | set(restored)
                if expected.get(label, 0) != restored.get(label, 0)
            }
            if wrong:
                raise RestoreError(f"Counts differ after loading (expected, found): {wrong}")
        media_root = Path(settings.MEDIA_ROOT)
        for name in manifest["media"]:
            target = media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(f"media/{name}"))
    return manifest["counts"]
