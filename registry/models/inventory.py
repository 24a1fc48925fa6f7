"""The AI system inventory and the suppliers behind it."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from aims_portal.links import record_url
from aims_portal.models import RecordQuerySet, TrackedModel, sort_indexes


class Supplier(TrackedModel):
    """A third party that provides models, data, tools or hosting for AI systems."""

    area = "inventory"
    owner_field = "owner"

    class DueDiligence(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        APPROVED = "approved", "Approved"
        CONDITIONAL = "conditional", "Approved with conditions"
        REJECTED = "rejected", "Rejected"

    name = models.CharField(max_length=200, unique=True)
    services = models.CharField(
        "services provided", max_length=300, help_text="e.g. hosted LLM API, labelled data"
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_suppliers",
        help_text="Who manages the relationship with this supplier.",
    )
    due_diligence_status = models.CharField(
        "due diligence",
        max_length=20,
        choices=DueDiligence.choices,
        default=DueDiligence.NOT_STARTED,
    )
    due_diligence_notes = models.TextField(blank=True)
    last_reviewed = models.DateField(null=True, blank=True)
    next_review = models.DateField("next review", null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = [Lower("name")]
        indexes = [
            models.Index(Lower("name"), name="supplier_name_lower"),
            *sort_indexes("services", "due_diligence_status", "next_review", "updated_at"),
        ]

    # What __str__ reads: all a list page loads of a joined supplier (records/joins.py).
    name_fields = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("registry:supplier-detail", self.pk)

    @property
    def is_retired(self):
        return self.retired_at is not None


class AISystemQuerySet(RecordQuerySet):
    """An AI system is retired by its lifecycle stage, not by ``retired_at``."""

    def in_service(self):
        """Systems not retired: proposed, in development, in validation or in production."""
        return self.exclude(stage=AISystem.Stage.RETIRED)

    def active(self):
        return self.in_service()

    def retired(self):
        return self.filter(stage=AISystem.Stage.RETIRED)


class AISystem(TrackedModel):
    """One AI system in the inventory; fields mirror the model-registry YAML (documents.py)."""

    area = "inventory"
    objects = AISystemQuerySet.as_manager()
    owner_field = "owner"
    # Versions recorded before these fields existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {
        "0002_registrypolicy_aisystem_approved_by_and_more": {"approved_by": []},
        "0003_readiness_operation_fields": {
            "incident_runbook": "",
            "log_retention_days": None,
            "monitoring": "",
            "runbook_tested_on": None,
        },
        "0006_golive_signoffs_teams": {
            "owner_team_id": None,
            "source_commit": "",
            "training_statement": "",
        },
    }
    scope_path = "pk"

    class Environment(models.TextChoices):
        DEVELOPMENT = "development", "Development"
        STAGING = "staging", "Staging"
        PRODUCTION = "production", "Production"

    class DataSensitivity(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        PII = "pii", "Personal data (PII)"
        SPECIAL = "special-category", "Special-category data"

    class RiskTier(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"
        CRITICAL = "critical", "Critical"

    class EUAIActTier(models.TextChoices):
        PROHIBITED = "prohibited", "Prohibited"
        HIGH = "high", "High risk"
        LIMITED = "limited", "Limited risk"
        MINIMAL = "minimal", "Minimal risk"

    class Stage(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        DEVELOPMENT = "development", "Development"
        VALIDATION = "validation", "Validation"
        PRODUCTION = "production", "Production"
        RETIRED = "retired", "Retired"

    slug = models.SlugField("ID", max_length=80, unique=True, help_text="e.g. support-assistant")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_ai_systems"
    )
    owner_team = models.ForeignKey(
        "registry.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ai_systems",
        verbose_name="owning team",
        help_text="The team that owns the system, when a team does (registry YAML ``owner``).",
    )
    contact = models.EmailField(help_text="Where questions and incidents about it go.")
    # deployment
    environment = models.CharField(
        max_length=20, choices=Environment.choices, default=Environment.DEVELOPMENT
    )
    regions = models.JSONField(default=list, blank=True)
    endpoint = models.CharField(max_length=300, blank=True)
    # classification
    purpose = models.TextField()
    data_sensitivity = models.CharField(max_length=20, choices=DataSensitivity.choices)
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices)
    eu_ai_act_tier = models.CharField("EU AI Act tier", max_length=12, choices=EUAIActTier.choices)
    affected_parties = models.JSONField(default=list, blank=True)
    # model
    model_type = models.CharField(max_length=60, blank=True, help_text="e.g. llm-rag, classifier")
    base_model = models.CharField(max_length=120, blank=True)
    provider = models.CharField(max_length=120, blank=True)
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ai_systems",
        help_text="The supplier of the base model or service, if external.",
    )
    version_pinned = models.CharField(
        max_length=120, blank=True, help_text="The pinned version, or true / false."
    )
    weights_location = models.CharField(max_length=300, blank=True)
    training_statement = models.CharField(
        "training data statement",
        max_length=120,
        blank=True,
        help_text="When no training source is listed, why: e.g. none-fine-tuning.",
    )
    # governance
    impact_assessment_ref = models.CharField(
        "impact assessment",
        max_length=40,
        blank=True,
        help_text="ID of the AI impact assessment, e.g. IA-2026-014.",
    )
    approved_by = models.JSONField(
        "approved by (as written)",
        default=list,
        blank=True,
        help_text="The registry YAML's approved_by: roles or role:name, e.g. cto, dpo:Dana Ortiz. "
        "The go-live gate counts the sign-offs recorded in the portal, not this list.",
    )
    last_reviewed = models.DateField(null=True, blank=True)
    next_review = models.DateField("next review", null=True, blank=True)
    # operation: what certification readiness asks of a system in production
    log_retention_days = models.PositiveIntegerField(
        "prompt and response log retention (days)",
        null=True,
        blank=True,
        help_text="How long prompts, responses and their metadata are kept; 0 means not logged.",
    )
    monitoring = models.TextField(
        "quality and safety monitoring",
        blank=True,
        help_text="What is measured in operation (quality, safety, drift), the thresholds and "
        "who is alerted.",
    )
    incident_runbook = models.CharField(
        "incident runbook",
        max_length=300,
        blank=True,
        help_text="Document ID or link of the runbook followed when this system misbehaves.",
    )
    runbook_tested_on = models.DateField(
        "runbook last tested",
        null=True,
        blank=True,
        help_text="When the runbook was last exercised, in a drill or a real incident.",
    )
    # lifecycle
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.PROPOSED)
    decommission_date = models.DateField(null=True, blank=True)
    source_commit = models.CharField(
        "git commit", max_length=64, blank=True, editable=False, help_text="Last synced from."
    )

    class Meta:
        ordering = [Lower("name")]
        verbose_name = "AI system"
        indexes = [
            # The dashboard's tier x stage table, systems in production and in service.
            models.Index(fields=["stage", "risk_tier"], name="aisystem_stage_tier"),
            # Reviews due: a range of dates, then the stage, without the table.
            models.Index(fields=["next_review", "stage"], name="aisystem_review_due"),
            # The default order; the other indexes serve the sorts the lists offer.
            models.Index(Lower("name"), name="aisystem_name_lower"),
            *sort_indexes("name", "risk_tier", "eu_ai_act_tier", "data_sensitivity", "updated_at"),
        ]

    # What __str__ reads: all a list page loads of a joined AI system (records/joins.py).
    name_fields = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("registry:aisystem-detail", self.pk)
