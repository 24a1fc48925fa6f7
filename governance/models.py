"""Records of the management system itself: context (4.1, 4.2), scope (4.3), policy
acknowledgements and responsibilities (5.2, 5.3), objectives and their measurements (6.2,
9.1), competence, training and communication (7.2 to 7.4)."""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from aims_portal.document_jobs import DocumentJob, document_storage
from aims_portal.history_links import LINKS_START_REASON
from aims_portal.jobs import unfinished_index
from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes
from controls.models import ControlledDocument, private_storage
from registry.models import AISystem, Supplier

USER = settings.AUTH_USER_MODEL
AREA = "governance"


class ContextIssue(TrackedModel):
    """An internal or external issue that bears on what the AIMS must achieve (4.1)."""

    area = AREA
    owner_field = "owner"

    class Kind(models.TextChoices):
        INTERNAL = "internal", "Internal"
        EXTERNAL = "external", "External"

    class Category(models.TextChoices):
        LEGAL = "legal", "Legal and regulatory"
        TECHNOLOGY = "technology", "Technology"
        MARKET = "market", "Market and customers"
        SOCIETAL = "societal", "Societal and ethical"
        ORGANISATION = "organisation", "Organisation and culture"
        SUPPLY = "supply", "Suppliers and supply chain"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=14, choices=Category.choices)
    description = models.TextField()
    response = models.TextField(
        "how the AIMS responds", help_text="What the management system does about this issue."
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="context_issues")
    review_date = models.DateField("next review", null=True, blank=True)

    class Meta:
        ordering = ["reference"]
        verbose_name = "context issue"
        indexes = sort_indexes("title", "kind", "category", "review_date")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("governance:issue-detail", self.pk)


class InterestedParty(TrackedModel):
    """A party with a stake in the AIMS, what it requires and how the AIMS meets it (4.2)."""

    area = AREA
    owner_field = "owner"

    class Category(models.TextChoices):
        REGULATOR = "regulator", "Regulator or authority"
        CUSTOMER = "customer", "Customer"
        STAFF = "staff", "Staff"
        AFFECTED = "affected", "People affected by AI outputs"
        SUPPLIER = "supplier", "Supplier or partner"
        INVESTOR = "investor", "Owner or investor"

    class Basis(models.TextChoices):
        REGULATORY = "regulatory", "Regulatory"
        CONTRACTUAL = "contractual", "Contractual"
        VOLUNTARY = "voluntary", "Voluntary commitment"
        EXPECTATION = "expectation", "Expectation"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=10, choices=Category.choices)
    basis = models.CharField(
        "requirement basis", max_length=12, choices=Basis.choices, default=Basis.EXPECTATION
    )
    requirements = models.TextField(help_text="What this party requires of the AIMS.")
    how_addressed = models.TextField(
        "how the AIMS addresses it", blank=True, help_text="Empty while it is not addressed yet."
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="interested_parties")

    class Meta:
        ordering = ["reference"]
        verbose_name = "interested party"
        verbose_name_plural = "interested parties"
        indexes = sort_indexes("name", "category", "basis")

    def __str__(self):
        return f"{self.reference} {self.name}"

    def get_absolute_url(self):
        return record_url("governance:party-detail", self.pk)


class ScopeStatement(TrackedModel):
    """The AIMS scope (4.3): a versioned statement approved by an executive. Every version
    stays in the history; the latest approved one is the scope in force."""

    area = AREA
    owner_field = "owner"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    title = models.CharField(max_length=200, default="AIMS scope statement")
    scope_version = models.CharField("scope version", max_length=20, default="0.1")
    boundaries = models.TextField(help_text="Sites, activities and organisational boundaries.")
    units_in = models.TextField("business units in scope")
    units_out = models.TextField("business units out of scope", blank=True)
    systems_in = models.ManyToManyField(
        AISystem, blank=True, related_name="+", verbose_name="AI systems in scope"
    )
    systems_out = models.ManyToManyField(
        AISystem, blank=True, related_name="+", verbose_name="AI systems out of scope"
    )
    exclusions_reason = models.TextField("why the exclusions", blank=True)
    suppliers = models.ManyToManyField(
        Supplier, blank=True, related_name="+", verbose_name="providers at the interface"
    )
    interfaces = models.TextField(
        "interfaces with providers", help_text="What providers do, and where the AIMS stops."
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="scope_statements")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    # Every version keeps its links too (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["systems_in", "systems_out", "suppliers"]
    _history_links_start_reason: ClassVar[str] = LINKS_START_REASON

    class Meta:
        ordering = ["-approved_at", "-pk"]
        verbose_name = "scope statement"
        indexes = sort_indexes("title", "scope_version", "status", "approved_at")

    def __str__(self):
        return f"{self.title} v{self.scope_version}"

    def get_absolute_url(self):
        return record_url("governance:scope-detail", self.pk)


class PolicyAcknowledgement(TrackedModel):
    """A person's statement that they read one version of the AI policy (5.2)."""

    area = AREA
    owner_field = "person"

    document = models.ForeignKey(
        ControlledDocument, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    doc_version = models.CharField("document version", max_length=20)
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        verbose_name = "policy acknowledgement"
        constraints = [
            models.UniqueConstraint(
                fields=["document", "doc_version", "person"], name="one_ack_per_version"
            )
        ]
        indexes = sort_indexes("doc_version", "acknowledged_at")

    def __str__(self):
        return f"{self.person} read {self.document.ref} v{self.doc_version}"

    def get_absolute_url(self):
        return record_url("governance:acknowledgement-detail", self.pk)


class Process(models.TextChoices):
    """The AIMS processes a RACI is kept for."""

    CONTEXT = "context", "Context and scope"
    POLICY = "policy", "AI policy"
    RISK = "risk", "AI risk assessment and treatment"
    IMPACT = "impact", "AI impact assessment"
    LIFECYCLE = "lifecycle", "AI system lifecycle and change"
    DATA = "data", "Data for AI systems"
    SUPPLIERS = "suppliers", "Suppliers and third parties"
    INCIDENTS = "incidents", "AI incident handling"
    COMPETENCE = "competence", "Competence and awareness"
    MONITORING = "monitoring", "Monitoring and measurement"
    AUDIT = "audit", "Internal audit"
    REVIEW = "review", "Management review"
    IMPROVEMENT = "improvement", "Nonconformity and improvement"


class RaciAssignment(TrackedModel):
    """Who is responsible, accountable, consulted or informed for an AIMS process or for an
    AI system (5.3)."""

    area = AREA
    system_link = "system"

    class Role(models.TextChoices):
        RESPONSIBLE = "R", "Responsible"
        ACCOUNTABLE = "A", "Accountable"
        CONSULTED = "C", "Consulted"
        INFORMED = "I", "Informed"

    process = models.CharField(max_length=12, choices=Process.choices, blank=True)
    system = models.ForeignKey(
        AISystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raci",
        verbose_name="AI system",
    )
    activity = models.CharField(max_length=200, help_text="e.g. approve go-live, run the audit.")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="raci")
    role = models.CharField("RACI", max_length=1, choices=Role.choices)

    class Meta:
        ordering = ["process", "system__name", "activity", "role", "pk"]
        verbose_name = "RACI assignment"
        indexes = sort_indexes("process", "activity", "role")

    def __str__(self):
        subject = self.system or self.get_process_display()
        return f"{subject}: {self.activity} — {self.get_role_display()} {self.person}"

    def get_absolute_url(self):
        return record_url("governance:raci-detail", self.pk)

    def clean(self):
        if bool(self.process) == bool(self.system_id):
            raise ValidationError(
                "Choose either an AIMS process or an AI system: one RACI line covers one of them."
            )


class Metric(models.TextChoices):
    """Where an objective's measurements come from: by hand (or the API), or computed from
    portal data by governance.selectors.METRICS."""

    MANUAL = "manual", "Recorded by hand or by the API"
    ASSESSED_PRODUCTION = (
        "assessed_production",
        "% of production systems with an approved assessment",
    )
    SOA_IMPLEMENTED = "soa_implemented", "% of applicable controls implemented"
    TRAINING_CURRENT = "training_current", "% of training records in date"
    POLICY_ACKNOWLEDGED = "policy_acknowledged", "% of staff who acknowledged the AI policy"


class Objective(TrackedModel):
    """An AI objective (6.2) with its measure, target, due date and plan."""

    area = AREA
    owner_field = "owner"

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", "At least the target"
        AT_MOST = "at_most", "At most the target"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="objectives")
    measure = models.CharField(max_length=300, help_text="What is measured, and how.")
    metric = models.CharField(
        "measured by", max_length=24, choices=Metric.choices, default=Metric.MANUAL
    )
    unit = models.CharField(max_length=20, default="%")
    target = models.DecimalField(max_digits=10, decimal_places=2)
    direction = models.CharField(max_length=8, choices=Direction.choices, default="at_least")
    due_date = models.DateField()
    plan = models.TextField(help_text="What will be done, with which resources, by whom.")

    class Meta:
        ordering = ["reference"]
        verbose_name = "AI objective"
        indexes = sort_indexes("title", "due_date", "metric")

    # What __str__ reads: all a list page loads of a joined AI objective (records/joins.py).
    name_fields = ("reference", "title")

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return record_url("governance:objective-detail", self.pk)

    def meets(self, value) -> bool:
        if value is None:
            return False
        return value >= self.target if self.direction == "at_least" else value <= self.target


class Measurement(TrackedModel):
    """One reading of an objective's measure (9.1)."""

    area = AREA
    owner_field = "recorded_by"

    class Source(models.TextChoices):
        MANUAL = "manual", "By hand"
        API = "api", "By the API"
        COMPUTED = "computed", "Computed from portal data"

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField(default=timezone.localdate)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-measured_on", "-pk"]
        verbose_name = "measurement"
        indexes = [
            *sort_indexes("measured_on", "value"),
            models.Index(fields=["objective", "measured_on"]),
        ]

    def __str__(self):
        return f"{self.objective.reference} {self.measured_on}: {self.value}"

    def get_absolute_url(self):
        return record_url("governance:measurement-detail", self.pk)


class Competence(TrackedModel):
    """A competence a role or an AI system requires (7.2)."""

    area = AREA
    system_link = "system"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField()
    role = models.CharField(
        "required for role", max_length=100, blank=True, help_text="e.g. system owner."
    )
    system = models.ForeignKey(
        AISystem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="competences",
        verbose_name="required for AI system",
    )
    validity_months = models.PositiveSmallIntegerField(
        "valid for (months)", null=True, blank=True, help_text="Empty: does not expire."
    )

    class Meta:
        ordering = ["reference"]
        verbose_name = "competence"
        indexes = sort_indexes("name", "role")

    # What __str__ reads: all a list page loads of a joined competence (records/joins.py).
    name_fields = ("reference", "name")

    def __str__(self):
        return f"{self.reference} {self.name}"

    def get_absolute_url(self):
        return record_url("governance:competence-detail", self.pk)


class TrainingRecord(TrackedModel):
    """Evidence that a person holds a competence: training taken or competence shown (7.2)."""

    area = AREA
    owner_field = "person"

    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="training_records")
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="training_records"
    )
    activity = models.CharField("training or evidence", max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.FileField(upload_to="training/", storage=private_storage, blank=True)
    evidence_sha256 = models.CharField(
        "evidence SHA-256", max_length=64, blank=True, editable=False
    )

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = "training record"
        indexes = sort_indexes("completed_on", "expires_on", "activity")

    def __str__(self):
        return f"{self.person}: {self.activity} ({self.completed_on})"

    def get_absolute_url(self):
        return record_url("governance:training-detail", self.pk)

    def clean(self):
        if self.expires_on and self.completed_on and self.expires_on <= self.completed_on:
            raise ValidationError({"expires_on": "The expiry must come after the completion."})
        if self.completed_on and self.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": "A completion date cannot be in the future."})


class Communication(TrackedModel):
    """A line of the communication plan (7.4): what, to whom, when, how and by whom."""

    area = AREA
    owner_field = "responsible"

    class Audience(models.TextChoices):
        INTERNAL = "internal", "Internal"
        EXTERNAL = "external", "External"

    topic = models.CharField("what", max_length=200)
    audience = models.CharField("to whom", max_length=200)
    audience_kind = models.CharField(
        "internal or external", max_length=8, choices=Audience.choices, default="internal"
    )
    timing = models.CharField("when", max_length=200, help_text="e.g. quarterly, at go-live.")
    channel = models.CharField("how", max_length=200)
    responsible = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="communications")
    next_due = models.DateField("next due", null=True, blank=True)

    class Meta:
        ordering = ["next_due", "topic", "pk"]
        verbose_name = "communication"
        verbose_name_plural = "communication plan"
        indexes = sort_indexes("topic", "audience_kind", "next_due")

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return record_url("governance:communication-detail", self.pk)


class DocumentExport(DocumentJob):
    """A requested PDF of one of the governance documents a certification body reads (the
    scope statement, the objectives report, the training matrix), rendered by a Celery task
    that reports progress (aims_portal.document_jobs). The objectives report and the training
    matrix are computed, not records: the file prints them as they stood when rendered."""

    area = AREA
    routes: ClassVar[dict[str, str]] = {
        "status": "governance:document-export-detail",
        "download": "governance:document-export-download",
        "retry": "governance:document-export-retry",
    }

    class Document(models.TextChoices):
        SCOPE = "scope", "AIMS scope statement"
        OBJECTIVES = "objectives", "AI objectives report"
        TRAINING_MATRIX = "training_matrix", "Training matrix"

    document = models.CharField(max_length=16, choices=Document.choices)
    # Only the scope statement's PDF prints a record; the other two print the registers.
    scope = models.ForeignKey(
        ScopeStatement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to="governance/", storage=document_storage, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "governance document"
        indexes = [unfinished_index("governance_export_unfinished")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(document="scope", scope__isnull=False)
                    | models.Q(document__in=["objectives", "training_matrix"], scope__isnull=True)
                ),
                name="governance_export_names_its_scope",
            )
        ]

    @property
    def source(self):
        return self.scope  # None for the registers, computed when rendered

    def __str__(self):
        what = self.get_document_display()
        if self.scope_id:
            what = f"{what} v{self.scope.scope_version}"
        return f"{what} ({self.get_format_display()})"

    def get_absolute_url(self):
        return record_url("governance:document-export-detail", self.pk)

    def filename(self):
        if self.document == self.Document.SCOPE:
            return f"aims-scope-v{self.scope.scope_version}.{self.format}"
        stamp = timezone.localdate().isoformat()
        name = "ai-objectives" if self.document == self.Document.OBJECTIVES else "training-matrix"
        return f"{name}-{stamp}.{self.format}"

    def repeat(self):
        return DocumentExport(document=self.document, scope=self.scope, format=self.format)
