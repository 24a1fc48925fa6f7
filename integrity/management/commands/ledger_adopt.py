"""manage.py ledger_adopt: chain the history written before the ledger was installed."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrity import services


class Command(BaseCommand):
    help = (
        "Once, when installing the ledger on a database that already has history: append "
        "an entry for every history row that has none. Refused after the first checkpoint."
    )

    def handle(self, *args, **options):
        try:
            adopted = services.ledger_adopt_existing()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Adopted {adopted} existing history rows."))
