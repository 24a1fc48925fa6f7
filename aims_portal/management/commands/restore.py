from django.core.management.base import BaseCommand, CommandError

from aims_portal import backup


class Command(BaseCommand):
    help = "Load a backup ZIP into a freshly migrated, empty database and check its counts."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a ZIP written by `manage.py backup`")

    def handle(self, *args, **options):
        try:
            counts = backup.restore(options["file"])
        except (backup.RestoreError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {sum(counts.values())} rows in {len(counts)} tables; every count "
            "matches the backup's manifest."
        )
