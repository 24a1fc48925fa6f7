"""Lineage: the data a system uses and the model states it ran, so outputs can be traced."""

from typing import ClassVar

from django.conf import settings
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes

from .inventory import AISystem


class SystemOwned:
    """Records that belong to an AI system: "own records" are those of systems one owns."""

    owner_field = "system_owner"
    system_link = "system"

    @property
    def system_owner_id(self):
        return self.system.owner_id if self.system_id else None


class DataSource(SystemOwned, TrackedModel):
    """A dataset or corpus an AI system is trained, tuned, grounded or evaluated on."""

    area = "inventory"
    # Versions recorded before this field existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {"0003_readiness_operation_fields": {"access_logging": ""}}

    class Kind(models.TextChoices):
        TRAINING = "training", "Training"
        FINE_TUNING = "fine_tuning", "Fine-tuning"
        RAG = "rag", "Retrieval (RAG)"
        EVALUATION = "evaluation", "Evaluation"

    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="data_sources", verbose_name="AI system"
    )
    kind = models.CharField("use", max_length=12, choices=Kind.choices)
    name = models.CharField(max_length=200)
    location = models.CharField(max_length=300, blank=True, help_text="e.g. s3://bucket/path")
    pii = models.BooleanField("contains personal data", default=False)
    retention_days = models.PositiveIntegerField("retention (days)", null=True, blank=True)
    provenance = models.CharField(
        max_length=300, blank=True, help_text="Where the data comes from and how it was collected."
    )
    licence = models.CharField(max_length=120, blank=True)
    access_logging = models.CharField(
        "access logging",
        max_length=300,
        blank=True,
        help_text="Where reads of this source are logged (required for RAG corpora), "
        "e.g. the audit-log index.",
    )
    position = models.PositiveIntegerField(default=0, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["system_id", "kind", "position", "id"]
        verbose_name = "data source"
        indexes = sort_indexes(
            "name", "kind", "location", "pii", "retention_days", "licence", "updated_at"
        )

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("registry:datasource-detail", self.pk)


class ModelVersion(SystemOwned, TrackedModel):
    """The model state a system ran from ``deployed_at`` until ``superseded_at``."""

    area = "inventory"

    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="model_versions", verbose_name="AI system"
    )
    label = models.CharField("version", max_length=80, help_text="e.g. 2026-09-01 or v3.2.0")
    base_model = models.CharField(max_length=120, blank=True)
    provider = models.CharField(max_length=120, blank=True)
    configuration = models.TextField(
        blank=True, help_text="Prompt template, temperature, tools, embedding model, thresholds."
    )
    data_snapshot = models.CharField(
        "data snapshot",
        max_length=300,
        blank=True,
        help_text="Which data (corpus version, training set hash) this version used.",
    )
    deployed_at = models.DateTimeField("in use from")
    superseded_at = models.DateTimeField("in use until", null=True, blank=True)
    change = models.ForeignKey(
        "registry.ChangeRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="model_versions",
        verbose_name="change request",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["-deployed_at", "-id"]
        verbose_name = "model version"
        indexes = sort_indexes(
            ("deployed_at", "id"),
            "label",
            "base_model",
            "data_snapshot",
            "superseded_at",
            "updated_at",
        )

    def __str__(self):
        return f"{self.system.slug if self.system_id else '?'} @ {self.label}"

    def get_absolute_url(self):
        return record_url("registry:modelversion-detail", self.pk)
