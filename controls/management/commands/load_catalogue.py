from django.core.management.base import BaseCommand

from controls.catalogue import load_catalogue


class Command(BaseCommand):
    help = "Load the Annex A controls, clause 4-10 requirements and crosswalks (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Another catalogue YAML file (default: the bundled one)")

    def handle(self, *args, **options):
        result = load_catalogue(options["file"]) if options["file"] else load_catalogue()
        self.stdout.write(f"Control catalogue: {result}.")
