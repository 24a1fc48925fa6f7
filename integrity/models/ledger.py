"""The ledger's own tables.

They are deliberately not TrackedModels: a ledger entry is the history (giving it history
would chain the chain), checkpoints are signed and never change, and verification runs and
bundle exports are job logs, not AIMS records. Nothing in the portal updates or deletes a
ledger entry or a checkpoint; the verification exists to catch whoever does it with SQL.
"""

from django.conf import settings
from django.db import models

from aims_portal.jobs import BackgroundJob, JobStates, unfinished_index


class LedgerEntry(models.Model):
    """One link of the hash chain and one leaf of the Merkle tree: covers one row (a history
    row or an attestation).

    ``tree_nodes`` indexes the tree for proofs: the hashes of the complete subtrees that end
    at this leaf, 32 bytes each, the leaf's own hash first (see ``verify_receipt.stored_at``).
    Verification recomputes them; they are never trusted.
    """

    class Kind(models.TextChoices):
        HISTORY = "history", "Record version"
        ATTESTATION = "attestation", "Attestation"

    sequence = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    covered_model = models.CharField(max_length=100, help_text="app_label.model of the row")
    covered_id = models.BigIntegerField()
    content_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    tree_nodes = models.BinaryField(default=b"")

    class Meta:
        db_table = "aims_portal_ledgerentry"
        ordering = ["sequence"]
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["covered_model", "covered_id"], name="ledger_covered")]

    def __str__(self):
        return f"Ledger entry {self.sequence}"


class RetiredValue(models.Model):
    """The values a covered row held in fields a later migration removed, kept so that the
    row still hashes as it was hashed (``evolution.retire_fields`` writes them). Like the
    entries, nothing in the portal changes them: verification adds them back to the row
    before hashing it, so a changed, added or deleted value is reported as a changed row."""

    covered_model = models.CharField(max_length=100, help_text="app_label.model of the row")
    covered_id = models.BigIntegerField()
    values = models.JSONField(help_text="attname -> canonical value")

    class Meta:
        db_table = "aims_portal_retiredvalue"
        constraints = [
            models.UniqueConstraint(fields=["covered_model", "covered_id"], name="retired_once")
        ]

    def __str__(self):
        return f"Removed fields of {self.covered_model} {self.covered_id}"


class Checkpoint(models.Model):
    """A signed tree head: the log's size and Merkle root as a C2SP signed note (``note``),
    with the RFC 3161 time-stamp token of that note (``tsa_token``) when a time-stamping
    authority is configured.

    ``sequence`` is the tree size (the last entry it covers) and ``head_hash`` that entry's
    chain hash. Checkpoints made before the Merkle log existed have no note: their
    ``signature`` signs (sequence, head hash, time) and is still checked.
    """

    sequence = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    signature = models.CharField(max_length=128, blank=True)
    key_fingerprint = models.CharField(max_length=64)
    root_hash = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    tsa_token = models.BinaryField(null=True, blank=True)
    tsa_time = models.DateTimeField(null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "aims_portal_checkpoint"
        ordering = ["-sequence", "-signed_at"]
        get_latest_by = "signed_at"

    def __str__(self):
        return f"Checkpoint at entry {self.sequence}"


class HeldCheckpoint(models.Model):
    """A checkpoint a user took away from the portal (downloaded) or brought to it (pasted):
    every verification proves that today's log still extends it."""

    class Source(models.TextChoices):
        DOWNLOADED = "downloaded", "Downloaded"
        UPLOADED = "uploaded", "Brought by the user"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField()
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=12, choices=Source.choices)
    held_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "aims_portal_heldcheckpoint"
        ordering = ["-held_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tree_size", "root_hash"], name="held_once")
        ]

    def __str__(self):
        return f"Checkpoint of {self.tree_size} entries held by {self.user}"


class VerificationRun(BackgroundJob):
    """One recomputation of the chain, with the problems it found (the first few)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        OK = "ok", "Intact"
        FAILED = "failed", "Tampering detected"
        ERROR = "error", "Could not finish"

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    entries_checked = models.BigIntegerField(default=0)
    rows_checked = models.BigIntegerField(default=0)
    checkpoints_checked = models.IntegerField(default=0)
    records_checked = models.BigIntegerField(default=0)
    anchored_size = models.BigIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    more_problems = models.BooleanField(default=False)
    error = models.TextField(blank=True)

    # A run the worker never finished ends as "could not finish", never as "tampering".
    job_states = JobStates(queued=Status.QUEUED, running=Status.RUNNING, failed=Status.ERROR)

    class Meta:
        db_table = "aims_portal_verificationrun"
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"
        indexes = [unfinished_index("verification_unfinished")]

    def __str__(self):
        return f"Verification of {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def unanchored_entries(self):
        return max(0, self.entries_checked - self.anchored_size)

    @property
    def first_problem(self):
        return self.problems[0] if self.problems else None


class EvidenceBundle(BackgroundJob):
    """An evidence bundle export: built in the background, downloaded when ready."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    area = models.CharField(max_length=30, blank=True, help_text="Blank: the whole AIMS")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    entries = models.BigIntegerField(default=0)
    records = models.BigIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    job_states = JobStates(queued=Status.QUEUED, running=Status.BUILDING, failed=Status.FAILED)

    class Meta:
        db_table = "aims_portal_evidencebundle"
        ordering = ["-created_at", "-pk"]
        indexes = [unfinished_index("bundle_unfinished", states=("queued", "building"))]

    def __str__(self):
        return f"Evidence bundle #{self.pk}"
