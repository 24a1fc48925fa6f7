from django.core.management.base import BaseCommand

from aims_portal import search


class Command(BaseCommand):
    help = "Rebuild the search index of every searchable record (after installing, or to repair)."

    def handle(self, *args, **options):
        total = search.reindex()
        self.stdout.write(f"Indexed {total} records.")
