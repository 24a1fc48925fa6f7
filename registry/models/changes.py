"""Lifecycle change requests: the only way an AI system changes stage or changes materially."""

from typing import ClassVar

from django.conf import settings
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes

from .inventory import AISystem
from .lineage import SystemOwned


class ChangeRequest(SystemOwned, TrackedModel):
    area = "inventory"
    # Versions recorded before these fields existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {
        "0006_golive_signoffs_teams": {
            "override_at": None,
            "override_by_id": None,
            "override_justification": "",
            "source_commit": "",
        },
    }

    class Kind(models.TextChoices):
        STAGE = "stage", "Lifecycle stage change"
        BASE_MODEL = "base_model", "New base model"
        EMBEDDING_MODEL = "embedding_model", "New embedding model"
        TOOL = "tool", "New tool"
        DATA_SOURCE = "data_source", "New data source"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="changes", verbose_name="AI system"
    )
    kind = models.CharField("change", max_length=20, choices=Kind.choices)
    from_stage = models.CharField(
        "stage at request", max_length=12, choices=AISystem.Stage.choices, editable=False
    )
    target_stage = models.CharField(
        "requested stage", max_length=12, choices=AISystem.Stage.choices, blank=True
    )
    new_value = models.CharField(
        "new model, tool or data source",
        max_length=200,
        blank=True,
        help_text="For a material change: the new base model, embedding model, tool or source.",
    )
    reason = models.TextField(help_text="Why the change is needed.")
    regression_evidence = models.TextField(
        "regression evaluation",
        blank=True,
        help_text="Results of the regression evaluation, or a link to them.",
    )
    impact_assessment_update = models.BooleanField(
        "impact assessment must be updated",
        default=False,
        help_text="Tick when purpose, users or data sensitivity change.",
    )
    updated_impact_assessment_ref = models.CharField(
        "updated impact assessment", max_length=40, blank=True
    )
    # Frozen at request time: what the registry policies said about the system as changed.
    policy_passed = models.BooleanField("policy check passed", default=False, editable=False)
    policy_denials = models.JSONField(default=list, blank=True, editable=False)
    policy_checked_at = models.DateTimeField(null=True, editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    decided_role = models.CharField("decided in role", max_length=40, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A move that skips a stage needs an approver's recorded, justified override.
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    override_at = models.DateTimeField(null=True, blank=True, editable=False)
    override_justification = models.TextField(blank=True, editable=False)
    source_commit = models.CharField(
        "git commit",
        max_length=64,
        blank=True,
        editable=False,
        help_text="The registry repository commit the request came from.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "change request"
        indexes = sort_indexes(
            ("created_at", "id"),
            "kind",
            "target_stage",
            "new_value",
            "status",
            "policy_passed",
            "updated_at",
        )

    def __str__(self):
        return f"CR-{self.pk}: {self.summary}"

    @property
    def summary(self):
        if self.kind == self.Kind.STAGE:
            return f"{self.system.slug} to {self.get_target_stage_display().lower()}"
        return f"{self.system.slug}: {self.get_kind_display().lower()} {self.new_value}".strip()

    def get_absolute_url(self):
        return record_url("registry:change-detail", self.pk)
