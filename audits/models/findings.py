"""Findings raised from checklist lines, and the corrective actions that answer them."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes

from .audits import Audit, ChecklistLine


class Finding(TrackedModel):
    """What an audit found against one criterion: a nonconformity, an observation or an
    opportunity for improvement."""

    area = "audits"
    scope_path = "audit__systems"
    # Versions recorded before this field existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {"0007_certification_cycle": {"certification_audit_id": None}}

    class Kind(models.TextChoices):
        MAJOR = "major_nc", "Major nonconformity"
        MINOR = "minor_nc", "Minor nonconformity"
        OBSERVATION = "observation", "Observation"
        IMPROVEMENT = "ofi", "Opportunity for improvement"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    NONCONFORMITIES = (Kind.MAJOR, Kind.MINOR)

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    # An internal audit's finding comes from one of its checklist lines; a certification
    # body's finding comes from its report (certification_audit). Exactly one of the two.
    audit = models.ForeignKey(
        Audit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name="internal audit",
    )
    checklist_line = models.ForeignKey(
        ChecklistLine, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    certification_audit = models.ForeignKey(
        "audits.CertificationAudit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name="certification audit",
    )
    requirement_ref = models.CharField(
        "requirement reference", max_length=220, editable=False, default=""
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(help_text="What is missing or wrong, against which criterion.")
    evidence_summary = models.TextField(
        "objective evidence", blank=True, help_text="What the auditors saw that shows it."
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.OPEN, editable=False
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-reference"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            *sort_indexes("title", "kind", "requirement_ref", "created_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    audit__isnull=False,
                    checklist_line__isnull=False,
                    certification_audit__isnull=True,
                )
                | models.Q(
                    audit__isnull=True,
                    checklist_line__isnull=True,
                    certification_audit__isnull=False,
                ),
                name="finding_from_internal_or_certification_audit",
            )
        ]

    # What __str__ reads: all a list page loads of a joined finding (records/joins.py).
    name_fields = ("reference", "title")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("audits:finding-detail", self.pk)

    @property
    def is_nonconformity(self):
        return self.kind in self.NONCONFORMITIES

    @property
    def source(self):
        """The internal or certification audit the finding comes from."""
        return self.audit if self.audit_id else self.certification_audit


class CorrectiveAction(TrackedModel):
    """An action that removes the cause of a finding (or carries out a management-review
    decision), with the check that it worked."""

    area = "audits"
    scope_path = "finding__audit__systems"
    owner_field = "owner"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        IMPLEMENTED = "implemented", "Implemented"
        VERIFIED = "verified", "Verified effective"
        CLOSED = "closed", "Closed"

    class Effectiveness(models.TextChoices):
        EFFECTIVE = "effective", "Effective"
        NOT_EFFECTIVE = "not_effective", "Not effective"

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    finding = models.ForeignKey(
        Finding,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    review = models.ForeignKey(
        "audits.ManagementReview",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name="management review",
    )
    title = models.CharField(max_length=200)
    root_cause = models.TextField(blank=True, help_text="Why the problem happened.")
    correction = models.TextField(
        blank=True, help_text="What was done straight away to contain the problem."
    )
    action = models.TextField(
        "corrective action", help_text="What will change so that it does not happen again."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_actions"
    )
    due_date = models.DateField("due")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.OPEN, editable=False
    )
    implemented_at = models.DateTimeField(null=True, blank=True, editable=False)
    effectiveness_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name="effectiveness checked by",
    )
    effectiveness_checked_at = models.DateTimeField(
        "effectiveness checked at", null=True, blank=True, editable=False
    )
    effectiveness_result = models.CharField(
        max_length=14, choices=Effectiveness.choices, blank=True, editable=False
    )
    effectiveness_notes = models.TextField(blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_date", "reference"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            *sort_indexes(("due_date", "reference"), "title"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(finding__isnull=True, review__isnull=False)
                | models.Q(finding__isnull=False, review__isnull=True),
                name="action_answers_finding_or_review",
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("audits:action-detail", self.pk)

    @property
    def is_overdue(self):
        return self.status in self.OPEN_STATUSES and self.due_date < timezone.localdate()
