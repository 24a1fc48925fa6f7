import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aims_portal import backup

from .backup import PASSPHRASE_VARIABLE


class Command(BaseCommand):
    help = (
        "Decrypt a backup, check its hashes, and load it into a freshly migrated, empty "
        f"database; the passphrase comes from {PASSPHRASE_VARIABLE}, or give --identity FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a file written by `manage.py backup`")
        parser.add_argument(
            "--identity", metavar="FILE", help="a file holding the age secret key(s)"
        )

    def handle(self, *args, **options):
        identities = []
        if options["identity"]:
            try:
                identities = Path(options["identity"]).read_text().splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read the identity file: {error}") from error
        passphrase = "" if identities else os.environ.get(PASSPHRASE_VARIABLE, "")
        try:
            counts = backup.restore(options["file"], passphrase=passphrase, identities=identities)
        except (backup.RestoreError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {sum(counts.values())} rows in {len(counts)} tables; every count "
            "matches the backup's manifest. Check the ledger with `manage.py verify_ledger`."
        )
