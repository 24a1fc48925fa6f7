"""manage.py ledger_checkpoint: sign the current chain head with the ledger key."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from aims_portal.ledger import services, signing


class Command(BaseCommand):
    help = "Sign the ledger's chain head now (Ed25519) and store the checkpoint."

    def handle(self, *args, **options):
        try:
            checkpoint = services.checkpoint_create()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Signed checkpoint at entry {checkpoint.sequence} "
                f"(head {checkpoint.head_hash[:16]}…, key {signing.fingerprint()[:16]}…)."
            )
        )
