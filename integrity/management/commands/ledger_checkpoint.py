"""manage.py ledger_checkpoint: sign the log's tree head now and have it time-stamped."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrity import services, signing


class Command(BaseCommand):
    help = (
        "Sign the log's tree head now as a C2SP checkpoint (Ed25519), time-stamp it with the "
        "configured RFC 3161 authority, store it and print it."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = services.checkpoint_create()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        stamped = (
            f", time-stamped {checkpoint.tsa_time:%Y-%m-%d %H:%M:%S}Z"
            if (checkpoint.tsa_time)
            else ", not time-stamped (LEDGER_TSA_URL is not set)"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Signed checkpoint of {checkpoint.sequence} entries "
                f"(key {signing.fingerprint()[:16]}…{stamped}):"
            )
        )
        self.stdout.write(checkpoint.note, ending="")
