"""manage.py verify_ledger: recompute the hash chain and signatures; exit 1 on tampering."""

from django.core.management.base import BaseCommand, CommandError

from aims_portal.ledger import services
from aims_portal.ledger.models import VerificationRun


class Command(BaseCommand):
    help = (
        "Recompute the ledger from the history tables and check every checkpoint signature. "
        "Prints OK or the problems found, first broken entry first; exits 1 on any problem."
    )

    def handle(self, *args, **options):
        run = services.verification_run()
        self.stdout.write(
            f"Checked {run.entries_checked} ledger entries, {run.rows_checked} covered rows, "
            f"{run.checkpoints_checked} signed checkpoint(s)."
        )
        if run.status == VerificationRun.Status.OK:
            self.stdout.write(self.style.SUCCESS("OK: the ledger is intact."))
            return
        self.stdout.write(self.style.ERROR(f"FAILED: {len(run.problems)} problem(s)."))
        for problem in run.problems:
            where = f"entry {problem['sequence']}" if problem["sequence"] else "outside the chain"
            self.stdout.write(f"- {problem['label']} ({where}): {problem['message']}")
        raise CommandError("The ledger failed verification.", returncode=1)
