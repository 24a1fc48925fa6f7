"""manage.py verify_ledger: recompute the log and check it against every checkpoint."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrity import services
from integrity.models import VerificationRun


class Command(BaseCommand):
    help = (
        "Recompute the ledger (hash chain and Merkle tree) from the history and attestation "
        "tables, compare every live record with its latest version, check every checkpoint's "
        "signature and time-stamp, and prove the log extends each --trusted-checkpoint. "
        "Prints OK or the problems found, first broken entry first; exits 1 on any problem "
        "and 2 when a checkpoint file cannot be used."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--trusted-checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="a checkpoint saved outside the portal; the log must extend it (repeatable)",
        )

    def handle(self, *args, **options):
        trusted = []
        for name in options["trusted_checkpoint"]:
            try:
                text = Path(name).read_text(encoding="utf-8", errors="replace")
            except OSError as error:
                raise CommandError(
                    f"Cannot read --trusted-checkpoint {name}: {error.strerror}", returncode=2
                ) from None
            try:
                size, root = services.read_checkpoint(text, where=f"--trusted-checkpoint {name}")
            except ValidationError as error:
                raise CommandError(" ".join(error.messages), returncode=2) from None
            trusted.append((size, root, f"your checkpoint {name}"))
        run = services.verification_run(trusted=trusted)
        for line in run.checker.summary_lines():
            self.stdout.write(line)
        if run.status == VerificationRun.Status.OK:
            self.stdout.write(self.style.SUCCESS("OK: the ledger is intact."))
            return
        self.stdout.write(self.style.ERROR(f"FAILED: {len(run.problems)} problem(s)."))
        for problem in run.problems:
            where = f"entry {problem['sequence']}" if problem["sequence"] else "outside the chain"
            self.stdout.write(f"- {problem['label']} ({where}): {problem['message']}")
        raise CommandError("The ledger failed verification.", returncode=1)
