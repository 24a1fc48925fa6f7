import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aims_portal import backup

PASSPHRASE_VARIABLE = "AIMS_BACKUP_PASSPHRASE"


class Command(BaseCommand):
    help = (
        "Write every table (records, history, ledger, users) and the uploaded files to an "
        f"age-encrypted ZIP. The passphrase comes from {PASSPHRASE_VARIABLE}, or give "
        "--recipients FILE (age public keys); --keygen makes a key pair."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write it, e.g. aims-2026-11-22.age")
        parser.add_argument(
            "--recipients", metavar="FILE", help="a file of age public keys (age1…), one a line"
        )
        parser.add_argument(
            "--keygen",
            metavar="IDENTITY_FILE",
            help="write a new age secret key to this file and print its public key; no backup",
        )

    def handle(self, *args, **options):
        if options["keygen"]:
            return self._keygen(Path(options["keygen"]))
        if not options["file"]:
            raise CommandError("Say where to write the backup.")
        recipients = []
        if options["recipients"]:
            try:
                recipients = Path(options["recipients"]).read_text().splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read the recipients file: {error}") from error
        passphrase = "" if recipients else os.environ.get(PASSPHRASE_VARIABLE, "")
        try:
            manifest = backup.backup(options["file"], passphrase=passphrase, recipients=recipients)
        except (backup.BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Encrypted backup written to {options['file']}: {rows} rows in "
            f"{len(manifest['counts'])} tables, {len(manifest['media'])} uploaded files."
        )

    def _keygen(self, path):
        if path.exists():
            raise CommandError(f"{path} exists: not overwriting a key.")
        secret, public = backup.generate_identity()
        path.touch(mode=0o600)
        path.write_text(f"# public key: {public}\n{secret}\n")
        self.stdout.write(
            f"Secret key written to {path} (keep it away from the backups). Public key, for "
            f"--recipients:\n{public}"
        )
