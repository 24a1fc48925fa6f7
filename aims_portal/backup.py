"""Backup and restore of the whole portal: every row of every table (records, their full
history and link history, the ledger, checkpoints, attestations, users and roles) and the
uploaded files, in one ZIP with a manifest, encrypted with age.

Rules enforced here:
- the backup is one consistent snapshot: all tables are read in one read-only transaction;
- every value is kept exactly (timestamps to the microsecond, decimals, binary data, JSON),
  column by column, whatever the models hold: nothing here names a model or a field type of
  the portal, so new tables and columns are backed up without changes to this module;
- the archive is encrypted (age: a passphrase, or the public keys of recipients) and the
  manifest holds the SHA-256 of every table file and uploaded file; a restore decrypts, then
  checks every hash and every table's columns before it touches the database;
- a restore goes only into a new database (migrated, no users yet: nothing is merged), writes
  exactly the rows of the backup with their ids, and nothing else (plain INSERTs: no model
  save, no signal, so no history row or ledger entry is written by the restore itself), then
  moves the database's id sequences past the restored ids;
- it compares every table's count with the manifest; any problem undoes it all, files
  included.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pyrage
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

FORMAT = "aims-portal-backup/2"
AGE_MAGIC = b"age-encryption.org/v1\n"
# Session keys are not worth restoring: after a restore everybody signs in again.
EXCLUDED = {"sessions.session"}
INSERT_BATCH = 500


class RestoreError(Exception):
    pass


class BackupError(Exception):
    pass


def _models() -> list[type[models.Model]]:
    """Every table of the portal, link tables included, in a stable order."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.label_lower in EXCLUDED:
            continue
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def _fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def counts() -> dict[str, int]:
    return {model._meta.label_lower: model._base_manager.count() for model in _models()}


class _Value:
    """Stands in for a model instance so that ``field.value_to_string`` reads one value."""

    def __init__(self, attname, value):
        setattr(self, attname, value)


def _encoder(field):
    """A function turning a value read from ``field`` into a JSON value that loses nothing."""
    if isinstance(field, models.JSONField):
        return lambda v: json.dumps(v, cls=field.encoder)
    attname = field.attname

    def encode(value):
        if isinstance(value, str | int | float | bool):  # bool is an int; kept as it is
            return value
        # Datetimes keep their microseconds, binary data becomes base64, and so on: each
        # field writes the text its own ``to_python`` reads back.
        return field.value_to_string(_Value(attname, value))

    return encode


def _decoder(field):
    if isinstance(field, models.JSONField):
        return lambda v: json.loads(v, cls=field.decoder)
    return field.to_python


def _media_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _write_table(archive, model):
    """Write one table as JSON lines (columns first, then one array per row); return its
    manifest entry."""
    fields = _fields(model)
    encoders = [_encoder(f) for f in fields]
    name = f"tables/{model._meta.label_lower}.jsonl"
    digest, rows = hashlib.sha256(), 0
    with archive.open(name, "w") as out:
        header = json.dumps([f.attname for f in fields]).encode() + b"\n"
        out.write(header)
        digest.update(header)
        query = model._base_manager.order_by("pk").values_list(*[f.attname for f in fields])
        for values in query.iterator(chunk_size=2000):
            line = json.dumps(
                [None if v is None else enc(v) for enc, v in zip(encoders, values, strict=True)],
                separators=(",", ":"),
            ).encode()
            out.write(line + b"\n")
            digest.update(line + b"\n")
            rows += 1
    return {
        "file": name,
        "table": model._meta.db_table,
        "columns": [f.column for f in fields],
        "rows": rows,
        "sha256": digest.hexdigest(),
    }


@contextmanager
def _snapshot():
    """A transaction in which every table is read as of one moment (on SQLite the
    transaction's lock gives the same)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _recipients(lines: Iterable[str]):
    recipients = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(line))
        except pyrage.RecipientError as error:
            raise BackupError(f"Not an age public key (age1…): {line[:20]}…") from error
    if not recipients:
        raise BackupError("The recipients file holds no age public key.")
    return recipients


def _identities(lines: Iterable[str]):
    identities = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError as error:
            raise RestoreError(
                "The identity file holds a line that is not an age secret key."
            ) from error
    if not identities:
        raise RestoreError("The identity file holds no age secret key (AGE-SECRET-KEY-…).")
    return identities


def encrypt(data: bytes, *, passphrase: str = "", recipients: Iterable[str] = ()) -> bytes:
    """``data`` encrypted with age, for a passphrase or for the recipients' public keys."""
    recipients = list(recipients)
    if bool(passphrase) == bool(recipients):
        raise BackupError(
            "Give either a passphrase (AIMS_BACKUP_PASSPHRASE) or a recipients file, not both "
            "and not neither: backups hold password hashes and API tokens."
        )
    if passphrase:
        return pyrage.passphrase.encrypt(data, passphrase)
    return pyrage.encrypt(data, _recipients(recipients))


def decrypt(data: bytes, *, passphrase: str = "", identities: Iterable[str] = ()) -> bytes:
    if not data.startswith(AGE_MAGIC):
        raise RestoreError("This file is not a portal backup (not an age-encrypted archive).")
    identities = list(identities)
    if bool(passphrase) == bool(identities):
        raise RestoreError(
            "Give either the backup's passphrase (AIMS_BACKUP_PASSPHRASE) or an identity file."
        )
    try:
        if passphrase:
            return pyrage.passphrase.decrypt(data, passphrase)
        return pyrage.decrypt(data, _identities(identities))
    except pyrage.DecryptError as error:
        raise RestoreError(
            "The backup cannot be decrypted: wrong passphrase or key, or the file was altered "
            f"({error}). Nothing was changed."
        ) from error


def backup(target, *, passphrase: str = "", recipients: Iterable[str] = ()) -> dict:
    """Write an encrypted backup to ``target`` (a path or a binary file); return the manifest."""
    recipients = list(recipients)
    if recipients:
        _recipients(recipients)  # refuse a bad key before reading anything
    elif not passphrase:
        encrypt(b"", passphrase=passphrase, recipients=recipients)  # raises the reason
    buffer = io.BytesIO()
    media_root = Path(settings.MEDIA_ROOT)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with _snapshot():
            created_at = timezone.now()
            tables = {m._meta.label_lower: _write_table(archive, m) for m in _models()}
        media = {}
        for path in _media_files():
            name = path.relative_to(media_root).as_posix()
            content = path.read_bytes()
            media[name] = hashlib.sha256(content).hexdigest()
            archive.writestr(f"media/{name}", content)
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            "database": connection.vendor,
            "tables": tables,
            "counts": {label: entry["rows"] for label, entry in tables.items()},
            "media": media,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
    sealed = encrypt(buffer.getvalue(), passphrase=passphrase, recipients=recipients)
    if hasattr(target, "write"):
        target.write(sealed)
    else:
        Path(target).write_bytes(sealed)
    return manifest


def _read(source) -> bytes:
    if hasattr(source, "read"):
        return source.read()
    return Path(source).read_bytes()


def _open_archive(plain: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(plain))
    except zipfile.BadZipFile as error:
        raise RestoreError("The decrypted file is not a portal backup (not a ZIP).") from error
    if "manifest.json" not in archive.namelist():
        raise RestoreError("This archive is not a portal backup: manifest.json is missing.")
    manifest = json.loads(archive.read("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"Unknown backup format {manifest.get('format')!r}.")
    return archive, manifest


def _check(archive, manifest):
    """Every file matches its hash, and every table matches this installation's schema."""
    expected = {entry["file"] for entry in manifest["tables"].values()}
    expected |= {f"media/{name}" for name in manifest["media"]}
    present = set(archive.namelist()) - {"manifest.json"}
    if present != expected:
        odd = sorted(present ^ expected)[:5]
        raise RestoreError(f"The archive's files differ from its manifest: {odd}.")
    for entry in manifest["tables"].values():
        if hashlib.sha256(archive.read(entry["file"])).hexdigest() != entry["sha256"]:
            raise RestoreError(f"{entry['file']} does not match the manifest's SHA-256.")
    for name, digest in manifest["media"].items():
        if hashlib.sha256(archive.read(f"media/{name}")).hexdigest() != digest:
            raise RestoreError(f"Uploaded file {name} does not match the manifest's SHA-256.")
    here = {m._meta.label_lower: m for m in _models()}
    missing, extra = set(manifest["tables"]) - set(here), set(here) - set(manifest["tables"])
    if missing or extra:
        raise RestoreError(
            "The backup was made by another version of the portal: tables only in the backup "
            f"{sorted(missing)}, only here {sorted(extra)}. Restore with the version (and "
            "migrations) that made it."
        )
    for label, entry in manifest["tables"].items():
        columns = [f.column for f in _fields(here[label])]
        if columns != entry["columns"]:
            raise RestoreError(
                f"Table {label} has other columns here than in the backup: restore with the "
                "version (and migrations) that made it."
            )
    return here


def _database_is_new():
    # Migrations load reference data (role groups, the control catalogue) but never users:
    # a database without users holds nothing that a restore could overwrite.
    return not apps.get_model(settings.AUTH_USER_MODEL)._base_manager.exists()


def _load_table(cursor, model, lines):
    fields = _fields(model)
    columns = json.loads(next(lines))
    if columns != [f.attname for f in fields]:
        raise RestoreError(f"Table {model._meta.label_lower}: columns differ from the manifest.")
    decoders = [_decoder(f) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    batch = []
    for line in lines:
        values = json.loads(line)
        batch.append(
            [
                None if v is None else f.get_db_prep_save(decode(v), connection)
                for f, decode, v in zip(fields, decoders, values, strict=True)
            ]
        )
        if len(batch) == INSERT_BATCH:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)


def _write_media(archive, manifest, written):
    media_root = Path(settings.MEDIA_ROOT)
    for name in manifest["media"]:
        target = media_root / name
        if media_root.resolve() not in target.resolve().parents:
            raise RestoreError(f"Uploaded file name {name!r} points outside the media folder.")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            written.append(target)
        target.write_bytes(archive.read(f"media/{name}"))


def restore(source, *, passphrase: str = "", identities: Iterable[str] = ()) -> dict[str, int]:
    """Load an encrypted backup into an empty database; return the manifest's counts."""
    plain = decrypt(_read(source), passphrase=passphrase, identities=identities)
    archive, manifest = _open_archive(plain)
    with archive:
        here = _check(archive, manifest)
        if not _database_is_new():
            raise RestoreError(
                "The database already holds records. Restore into a freshly migrated, empty "
                "database (run `manage.py migrate` on a new one)."
            )
        written = []
        try:
            with transaction.atomic():
                # The backup brings its own copy of what migrations loaded (role groups, the
                # catalogue, content types): the tables are emptied, then filled exactly.
                tables = connection.introspection.django_table_names(only_existing=True)
                connection.ops.execute_sql_flush(
                    connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
                )
                with connection.cursor() as cursor:
                    for label, entry in manifest["tables"].items():
                        with archive.open(entry["file"]) as stream:
                            _load_table(cursor, here[label], io.TextIOWrapper(stream, "utf-8"))
                    for statement in connection.ops.sequence_reset_sql(
                        no_style(), list(here.values())
                    ):
                        cursor.execute(statement)
                connection.check_constraints()
                restored = counts()
                wrong = {
                    label: (expected, restored.get(label, 0))
                    for label, expected in manifest["counts"].items()
                    if expected != restored.get(label, 0)
                }
                if wrong:
                    raise RestoreError(f"Counts differ after loading (expected, found): {wrong}")
                _write_media(archive, manifest, written)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    return manifest["counts"]


def generate_identity() -> tuple[str, str]:
    """A new age key pair (secret identity, public recipient), for ``backup --keygen``."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())
