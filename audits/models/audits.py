"""The audit programme, its internal audits and each audit's checklist."""

from typing import ClassVar

from django.conf import settings
from django.db import models

from aims_portal.history_links import LINKS_START_REASON
from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes


class AuditProgramme(TrackedModel):
    """The internal audits planned for one year, and what the programme aims to cover."""

    area = "audits"
    owner_field = "owner"

    year = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    objectives = models.TextField(
        blank=True, help_text="What this year's audits should give assurance on."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_audit_programmes",
        help_text="Who plans the programme and reports on it.",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = "audit programme"
        indexes = sort_indexes("title", "updated_at")

    # What __str__ reads: all a list page loads of a joined audit programme (records/joins.py).
    name_fields = ("title", "year")

    def __str__(self):
        return self.title if str(self.year) in self.title else f"{self.title} ({self.year})"

    def get_absolute_url(self):
        return record_url("audits:programme-detail", self.pk)


class Audit(TrackedModel):
    """One internal audit: scope, criteria (clauses and controls), team, dates and status."""

    area = "audits"
    system_link = "systems"
    # Removed: a text copy of the links; older versions keep its value for the ledger
    # (integrity.evolution).
    _history_removed_fields: ClassVar = {"0006_remove_link_text_copies": ("team",)}
    # Every version keeps its links too (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["systems", "requirements", "controls", "auditors"]
    _history_links_start_reason: ClassVar[str] = LINKS_START_REASON

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="audits")
    title = models.CharField(max_length=200)
    scope = models.TextField(
        help_text="Which parts of the AIMS, sites and processes are looked at."
    )
    systems = models.ManyToManyField(
        "registry.AISystem",
        blank=True,
        related_name="audits",
        verbose_name="AI systems in scope",
    )
    requirements = models.ManyToManyField(
        "controls.Requirement",
        blank=True,
        related_name="audits",
        verbose_name="clause requirements",
        help_text="Clause requirements audited; each becomes a checklist line.",
    )
    controls = models.ManyToManyField(
        "controls.Control",
        blank=True,
        related_name="audits",
        verbose_name="Annex A controls",
        help_text="Controls audited; each becomes a checklist line.",
    )
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_audits"
    )
    auditors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="audits",
        verbose_name="other auditors",
    )
    planned_start = models.DateField()
    planned_end = models.DateField()
    started_at = models.DateField("started", null=True, blank=True, editable=False)
    completed_at = models.DateField("completed", null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PLANNED, editable=False
    )
    conclusion = models.TextField(
        blank=True, help_text="The audit team's overall conclusion; needed to complete the audit."
    )

    class Meta:
        ordering = ["-planned_start", "-reference"]
        verbose_name = "internal audit"
        indexes = sort_indexes(
            ("planned_start", "reference"), "title", "planned_end", "status", "completed_at"
        )

    # What __str__ reads: all a list page loads of a joined internal audit (records/joins.py).
    name_fields = ("reference", "title")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("audits:audit-detail", self.pk)

    @property
    def is_open(self):
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS)


class ChecklistLine(TrackedModel):
    """One requirement or control of an audit's criteria and what the auditors found."""

    area = "audits"
    scope_path = "audit__systems"

    class Result(models.TextChoices):
        NOT_ASSESSED = "not_assessed", "Not assessed"
        CONFORMS = "conforms", "Conforms"
        NONCONFORMITY = "nonconformity", "Nonconformity"
        OBSERVATION = "observation", "Observation"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="checklist")
    requirement = models.ForeignKey(
        "controls.Requirement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    control = models.ForeignKey(
        "controls.Control",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    ref = models.CharField("criterion", max_length=12, editable=False)
    title = models.CharField(max_length=200, editable=False)
    sort_key = models.CharField(max_length=50, editable=False, default="")
    result = models.CharField(max_length=14, choices=Result.choices, default=Result.NOT_ASSESSED)
    notes = models.TextField(
        "audit notes",
        blank=True,
        help_text="What was examined, who was interviewed, what was seen.",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    assessed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["audit", "sort_key"]
        verbose_name = "checklist line"
        indexes = sort_indexes(
            ("audit", "sort_key"), "sort_key", "ref", "title", "result", "assessed_at"
        )
        constraints = [
            models.UniqueConstraint(fields=["audit", "ref"], name="one_line_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(requirement__isnull=True, control__isnull=False)
                | models.Q(requirement__isnull=False, control__isnull=True),
                name="line_is_requirement_or_control",
            ),
        ]

    def __str__(self):
        return f"{self.audit.reference} · {self.ref} {self.title}"

    def get_absolute_url(self):
        return record_url("audits:checklistline-detail", self.pk)
