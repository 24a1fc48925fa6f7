"""AI incidents: what went wrong with a system, and how it was contained and learnt from."""

from django.conf import settings
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import RecordQuerySet, TrackedModel, sort_indexes

from .inventory import AISystem
from .lineage import SystemOwned


class IncidentQuerySet(RecordQuerySet):
    def still_open(self):
        """Incidents not yet resolved: open, or contained but not yet resolved. The one
        definition the dashboard, the management review and the filters share."""
        return self.filter(status__in=Incident.STILL_OPEN)


class Incident(SystemOwned, TrackedModel):
    area = "inventory"
    objects = IncidentQuerySet.as_manager()

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CONTAINED = "contained", "Contained"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    STILL_OPEN = (Status.OPEN, Status.CONTAINED)

    class Detection(models.TextChoices):
        MONITORING = "monitoring", "Automated monitoring"
        USER_REPORT = "user_report", "User or customer report"
        STAFF = "staff", "Staff observation"
        AUDIT = "audit", "Audit or review"
        SUPPLIER = "supplier", "Supplier notice"

    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="incidents", verbose_name="AI system"
    )
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    detected_at = models.DateTimeField("detected at")
    detection = models.CharField("detected by", max_length=20, choices=Detection.choices)
    description = models.TextField(help_text="What happened and who was affected.")
    containment = models.TextField(blank=True, help_text="What was done to stop the harm.")
    investigation = models.TextField(blank=True, help_text="Root cause and contributing factors.")
    postmortem = models.TextField(blank=True, help_text="Lessons learnt and follow-up actions.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = "AI incident"
        indexes = sort_indexes(
            ("detected_at", "id"), "title", "severity", "status", "detection", "updated_at"
        )

    def __str__(self):
        return f"INC-{self.pk}: {self.title}"

    def get_absolute_url(self):
        return record_url("registry:incident-detail", self.pk)
