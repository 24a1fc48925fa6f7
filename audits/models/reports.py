from django.db import models
from django.utils import timezone

from aims_portal.document_jobs import DocumentJob
from aims_portal.jobs import unfinished_index
from aims_portal.links import record_url

from .audits import Audit
from .evidence import private_storage
from .reviews import ManagementReview


class ReportExport(DocumentJob):
    """A requested audit report or review minutes (PDF or Word), rendered by a Celery task
    that reports progress (aims_portal.document_jobs); the file is kept for download."""

    area = "audits"
    routes = {
        "status": "audits:report-detail",
        "download": "audits:report-download",
        "retry": "audits:report-retry",
    }

    class Document(models.TextChoices):
        AUDIT_REPORT = "audit_report", "Audit report"
        REVIEW_MINUTES = "review_minutes", "Management review minutes"

    document = models.CharField(max_length=16, choices=Document.choices)
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
    file = models.FileField(upload_to="reports/", storage=private_storage, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "report export"
        indexes = [unfinished_index("report_export_unfinished")]
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
        return record_url("audits:report-detail", self.pk)

    def filename(self):
        stamp = timezone.localdate().isoformat()
        what = "report" if self.document == self.Document.AUDIT_REPORT else "minutes"
        return f"{self.source.reference}-{what}-{stamp}.{self.format}"

    def repeat(self):
        return ReportExport(
            document=self.document, audit=self.audit, review=self.review, format=self.format
        )
