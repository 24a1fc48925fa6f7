"""Impact assessments (Annex A.5), the risk register and the risk scoring method."""

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from aims_portal.document_jobs import DocumentJob, document_storage
from aims_portal.history_links import LINKS_START_REASON
from aims_portal.jobs import unfinished_index
from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes
from registry.models import AISystem

SCORE = [MinValueValidator(1), MaxValueValidator(10)]


class ScoringMethod(TrackedModel):
    """How likelihood and impact combine into a level: data an administrator edits.

    A score is likelihood x impact on a ``matrix_size`` x ``matrix_size`` grid; ``levels``
    lists ``{"label", "max_score", "colour"}`` in ascending order, the last one reaching
    the top score. Levels are computed from this row whenever a risk or impact is shown,
    filtered or counted, so a change re-scores every record at once.
    """

    area = "administration"

    name = models.CharField(max_length=120)
    matrix_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
        help_text="Likelihood and impact are rated from 1 to this number.",
    )
    levels = models.JSONField(
        help_text='Ascending levels: [{"label": "Low", "max_score": 4, "colour": "#d1e7dd"}, …]'
    )
    likelihood_labels = models.JSONField(default=list, blank=True)
    impact_labels = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("assessments:scoringmethod-detail", self.pk)

    @property
    def max_score(self):
        return self.matrix_size * self.matrix_size

    def level_for(self, score):
        """The level dict a score falls in (None for an unscored item)."""
        if not score:
            return None
        for index, level in enumerate(self.levels):
            if score <= level["max_score"]:
                return {**level, "index": index}
        return {**self.levels[-1], "index": len(self.levels) - 1}

    def score_range(self, label):
        """(lowest, highest) score of the level called ``label``, or None."""
        low = 1
        for level in self.levels:
            if level["label"] == label:
                return low, level["max_score"]
            low = level["max_score"] + 1
        return None


class ImpactAssessment(TrackedModel):
    """One revision of an AI system impact assessment; an approved revision is frozen."""

    area = "assessments"
    owner_field = "owner"
    system_link = "system"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"
        SUPERSEDED = "superseded", "Superseded"

    class Decision(models.TextChoices):
        ACCEPT = "accept", "Accept"
        MITIGATE = "mitigate", "Mitigate"
        DECLINE = "decline", "Decline"

    reference = models.CharField("ID", max_length=20, editable=False)
    revision = models.PositiveSmallIntegerField(default=1, editable=False)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
        editable=False,
    )
    system = models.ForeignKey(
        AISystem, on_delete=models.PROTECT, related_name="impact_assessments"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_impact_assessments",
        help_text="Who prepares this assessment.",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # system context
    purpose = models.TextField("intended purpose", blank=True)
    intended_users = models.TextField(blank=True)
    environment = models.TextField("deployment environment", blank=True)
    data_flows = models.TextField(blank=True)
    # affected parties
    direct_users = models.TextField("direct users", blank=True)
    third_parties = models.TextField("third parties", blank=True)
    vulnerable_groups = models.TextField("vulnerable groups", blank=True)
    # decision and review
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_rationale = models.TextField(blank=True)
    next_review = models.DateField("next review", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    needs_reassessment = models.BooleanField("needs re-assessment", default=False, editable=False)
    reassessment_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-reference", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "revision"], name="ia_reference_revision")
        ]
        indexes = [
            # Covers the dashboard's and readiness check's "valid assessment" lookup per
            # system (status, flag and review date read from the index alone).
            models.Index(
                fields=["system", "status", "needs_reassessment", "next_review"],
                name="ia_system_validity",
            ),
            # Counts by status, the re-assessment flag and approved reviews due.
            models.Index(
                fields=["status", "needs_reassessment", "next_review"], name="ia_status_review"
            ),
            *sort_indexes(
                "revision", "needs_reassessment", "decision", "next_review", "updated_at"
            ),
        ]

    def __str__(self):
        return f"{self.reference} rev. {self.revision}"

    def get_absolute_url(self):
        return record_url("assessments:assessment-detail", self.pk)

    @property
    def is_open(self):
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class Impact(TrackedModel):
    """One foreseeable impact of the system on people or society, scored before and after
    mitigation."""

    area = "assessments"
    scope_path = "assessment__system"

    class Category(models.TextChoices):
        PRIVACY = "privacy", "Privacy"
        FAIRNESS = "fairness", "Fairness"
        SAFETY = "safety", "Safety"
        FINANCIAL = "financial", "Financial"
        AUTONOMY = "autonomy", "Autonomy and human oversight"
        OTHER = "other", "Other"

    class Direction(models.TextChoices):
        NEGATIVE = "negative", "Negative"
        POSITIVE = "positive", "Positive"

    assessment = models.ForeignKey(
        ImpactAssessment, on_delete=models.CASCADE, related_name="impacts"
    )
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(max_length=12, choices=Category.choices, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, default="negative")
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    severity = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    technical_mitigations = models.TextField(blank=True)
    procedural_mitigations = models.TextField(blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)
    residual_severity = models.PositiveSmallIntegerField(null=True, blank=True, validators=SCORE)

    class Meta:
        ordering = ["assessment", "position", "pk"]

    def __str__(self):
        return f"{self.get_category_display() or 'Impact'}: {self.description[:60]}"

    def get_absolute_url(self):
        return self.assessment.get_absolute_url()

    @property
    def score(self):
        return (self.likelihood or 0) * (self.severity or 0)

    @property
    def residual_score(self):
        return (self.residual_likelihood or 0) * (self.residual_severity or 0)


class Risk(TrackedModel):
    """An entry of the AIMS risk register."""

    area = "risks"
    # Removed: a text copy of the links; older versions keep its value for the ledger
    # (integrity.evolution).
    _history_removed_fields: ClassVar = {"0007_remove_risk_linked_systems": ("linked_systems",)}
    # Every version keeps its links too (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["systems"]
    _history_links_start_reason: ClassVar[str] = LINKS_START_REASON
    owner_field = "owner"
    system_link = "systems"

    class Treatment(models.TextChoices):
        MITIGATE = "mitigate", "Mitigate"
        ACCEPT = "accept", "Accept"
        TRANSFER = "transfer", "Transfer"
        AVOID = "avoid", "Avoid"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending_acceptance", "Awaiting acceptance"
        ACCEPTED = "accepted", "Accepted"
        CLOSED = "closed", "Closed"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(
        "risk source", max_length=200, blank=True, help_text="e.g. model drift, supplier outage"
    )
    systems = models.ManyToManyField(AISystem, blank=True, related_name="risks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risks"
    )
    inherent_likelihood = models.PositiveSmallIntegerField(validators=SCORE)
    inherent_impact = models.PositiveSmallIntegerField(validators=SCORE)
    inherent_score = models.PositiveSmallIntegerField(default=0, editable=False)
    treatment = models.CharField(max_length=10, choices=Treatment.choices)
    treatment_plan = models.TextField(blank=True)
    residual_likelihood = models.PositiveSmallIntegerField(validators=SCORE)
    residual_impact = models.PositiveSmallIntegerField(validators=SCORE)
    residual_score = models.PositiveSmallIntegerField(default=0, editable=False)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, editable=False
    )
    review_date = models.DateField(null=True, blank=True)
    acceptance_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-inherent_score", "reference"]
        indexes = [
            # Serves the inherent cell filter and, covering all four ratings, lets the
            # heat maps count both matrices in one index scan.
            models.Index(
                fields=[
                    "inherent_likelihood",
                    "inherent_impact",
                    "residual_likelihood",
                    "residual_impact",
                ]
            ),
            models.Index(fields=["residual_likelihood", "residual_impact"]),
            models.Index(fields=["status", "inherent_score"]),
            models.Index(fields=["status", "residual_score"]),
            models.Index(fields=["-inherent_score", "reference"]),
            # The closed risks the heat maps subtract, counted from the index alone.
            models.Index(
                fields=[
                    "status",
                    "inherent_likelihood",
                    "inherent_impact",
                    "residual_likelihood",
                    "residual_impact",
                ],
                name="risk_status_ratings",
            ),
            # Reviews due: a range of review dates, then the status, without the table.
            models.Index(fields=["review_date", "status"], name="risk_review_due"),
            *sort_indexes("title", "treatment", "residual_score"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("assessments:risk-detail", self.pk)


class AssessmentExport(DocumentJob):
    """A requested impact assessment document (PDF for sign-off or Word), rendered by a Celery
    task that reports progress (aims_portal.document_jobs); the file is kept for download."""

    area = "assessments"
    routes = {
        "status": "assessments:export-detail",
        "download": "assessments:export-download",
        "retry": "assessments:export-retry",
    }

    assessment = models.ForeignKey(
        ImpactAssessment, on_delete=models.PROTECT, related_name="document_exports"
    )
    file = models.FileField(upload_to="assessments/", storage=document_storage, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "impact assessment document"
        indexes = [unfinished_index("assessment_export_unfinished")]

    @property
    def source(self):
        return self.assessment

    def __str__(self):
        a = self.assessment
        return f"{a.reference} revision {a.revision} ({self.get_format_display()})"

    def get_absolute_url(self):
        return record_url("assessments:export-detail", self.pk)

    def filename(self):
        a = self.assessment
        return f"{a.reference}-rev{a.revision}.{self.format}"

    def repeat(self):
        return AssessmentExport(assessment=self.assessment, format=self.format)
