from django.core.management.base import BaseCommand

from aims_portal import backup


class Command(BaseCommand):
    help = "Write every record, its history, users and uploads to a ZIP with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the backup, e.g. aims-2026-11-22.zip")

    def handle(self, *args, **options):
        manifest = backup.backup(options["file"])
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"Backup written to {options['file']}: {rows} rows in "
            f"{len(manifest['counts'])} tables, {len(manifest['media'])} uploaded files."
        )
