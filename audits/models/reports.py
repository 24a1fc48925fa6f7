from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from aims_portal.jobs import BackgroundJob, JobStates
from aims_portal.models import TrackedModel

from .audits import Audit
from .evidence import private_storage
from .reviews import ManagementReview


class ReportExport(TrackedModel, BackgroundJob):
    """A requested audit report or review minutes (PDF or Word), rendered by a Celery task
    that reports progress; the file is kept for download."""

    area = "audits"
    # The rendering task ticks these without a version (audits.tasks); the finished job is
    # saved with one. aims_portal.ledger.current_state does not compare them.
    _history_unversioned_fields: ClassVar[tuple[str, ...]] = ("status", "progress", "error")

    class Document(models.TextChoices):
        AUDIT_REPORT = "audit_report", "Audit report"
        REVIEW_MINUTES = "review_minutes", "Management review minutes"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    document = models.CharField(max_length=16, choices=Document.choices)
    format = models.CharField(max_length=5, choices=Format.choices)
    audit = models.ForeignKey(
        Audit, on_delete=models.PROTECT, null=True, blank=True, related_name="report_exports"
    )
    review = models.ForeignKey(
        ManagementReview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="minutes_exports",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="reports/", storage=private_storage, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    job_states = JobStates(queued=Status.QUEUED, running=Status.RUNNING, failed=Status.FAILED)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "report export"
        indexes = [
            models.Index(
                fields=["deadline"],
                condition=models.Q(status__in=["queued", "running"]),
                name="report_export_unfinished",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(document="audit_report", audit__isnull=False, review__isnull=True)
                    | models.Q(document="review_minutes", review__isnull=False, audit__isnull=True)
                ),
                name="report_export_names_its_record",
            )
        ]

    @property
    def source(self):
        return self.audit if self.document == self.Document.AUDIT_REPORT else self.review

    def __str__(self):
        return (
            f"{self.get_document_display()} {self.source.reference} ({self.get_format_display()})"
        )

    def get_absolute_url(self):
        return reverse("audits:report-detail", args=[self.pk])
