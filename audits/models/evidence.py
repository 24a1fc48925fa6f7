"""Evidence items: a file (kept with its SHA-256), a link, or a pointer to a portal record,
attached to exactly one checklist line, finding, corrective action, SoA entry, impact
assessment or clause requirement."""

from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes

TARGETS = (
    "checklist_line",
    "finding",
    "corrective_action",
    "soa_entry",
    "assessment",
    "requirement",
)


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT (read when used, so it follows the setting), which no web
    server serves: they leave only through the permission-checked download view."""

    def url(self, name):
        raise ValueError("Evidence files have no public address; use the download view.")


def private_storage():
    return PrivateStorage()


class EvidenceItem(TrackedModel):
    area = "audits"
    # Versions recorded before this field existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {"0007_certification_cycle": {"requirement_id": None}}
    # Evidence reaches a system through what it is attached to (one of these is set).
    scope_path = (
        "checklist_line__audit__systems",
        "finding__audit__systems",
        "corrective_action__finding__audit__systems",
        "assessment__system",
    )

    class Kind(models.TextChoices):
        FILE = "file", "Uploaded file"
        LINK = "link", "Link"
        RECORD = "record", "Portal record"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    file = models.FileField(
        upload_to="evidence/%Y/%m/", storage=private_storage, blank=True, editable=False
    )
    file_name = models.CharField("file name", max_length=255, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(
        "size (bytes)", null=True, blank=True, editable=False
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    url = models.URLField("link", max_length=1000, blank=True)
    record_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, editable=False
    )
    record_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    record = GenericForeignKey("record_type", "record_id")
    record_label = models.CharField("portal record", max_length=300, blank=True, editable=False)
    record_url = models.CharField(max_length=500, blank=True, editable=False)
    # What the evidence supports: exactly one of these.
    checklist_line = models.ForeignKey(
        "audits.ChecklistLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
    )
    finding = models.ForeignKey(
        "audits.Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
    )
    corrective_action = models.ForeignKey(
        "audits.CorrectiveAction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
    )
    soa_entry = models.ForeignKey(
        "controls.SoAEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
        verbose_name="SoA entry",
    )
    assessment = models.ForeignKey(
        "assessments.ImpactAssessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
        verbose_name="impact assessment",
    )
    requirement = models.ForeignKey(
        "controls.Requirement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_items",
        verbose_name="clause requirement",
    )
    attached_to = models.CharField(max_length=300, blank=True, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "evidence item"
        indexes = sort_indexes(("created_at", "id"), "title", "kind", "attached_to", "sha256")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return record_url("audits:evidence-detail", self.pk)

    @property
    def target(self):
        for name in TARGETS:
            if getattr(self, f"{name}_id"):
                return getattr(self, name)
        return None
