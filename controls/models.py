"""The control catalogue (Annex A, clauses 4-10, crosswalks), the Statement of Applicability
with its approved revisions, controlled documents and export jobs."""

from typing import ClassVar

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse
from django.utils import timezone

from aims_portal.document_jobs import DocumentJob, document_storage
from aims_portal.history_links import LINKS_START_REASON
from aims_portal.jobs import BackgroundJob, JobStates, unfinished_index
from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes


def private_storage():
    """Files under MEDIA_ROOT (read when used, so the storage follows the setting), never
    served by the web server: only permission-checked views hand them out."""
    return FileSystemStorage(base_url=None)


class Requirement(TrackedModel):
    """A requirement of the management-system clauses 4-10 (ID and short title) and where the
    organisation stands on it: status, owner, evidence, last review. Every clause 4-10
    requirement is mandatory for certification; none can be excluded as a control can."""

    area = "controls"
    owner_field = "owner"
    # Versions recorded before these fields existed still verify (integrity.evolution).
    _history_added_fields: ClassVar = {
        "0011_requirement_compliance": {
            "evidence": [],
            "last_reviewed": None,
            "notes": "",
            "owner_id": None,
            "status": "not_started",
        },
    }

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        PLANNED = "planned", "Planned"
        PARTIAL = "partial", "Partially met"
        MET = "met", "Met"

    ref = models.CharField("ID", max_length=10, unique=True)
    title = models.CharField(max_length=200)
    clause = models.PositiveSmallIntegerField(help_text="The clause number, 4 to 10.")
    sort_key = models.CharField(max_length=40, editable=False, default="")
    status = models.CharField(
        "compliance status", max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_requirements",
        help_text="Who answers for meeting this requirement.",
    )
    evidence = models.JSONField(
        "evidence references",
        default=list,
        blank=True,
        help_text="Where the proof lives: document IDs, portal pages or URLs.",
    )
    notes = models.TextField(
        blank=True, help_text="How the organisation meets the requirement, and what is left."
    )
    last_reviewed = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["sort_key"]
        verbose_name = "clause requirement"
        indexes = sort_indexes("status", "last_reviewed")

    def __str__(self):
        return f"{self.ref} {self.title}"

    def get_absolute_url(self):
        return record_url("controls:requirement-detail", self.pk)


class Control(TrackedModel):
    """An Annex A control (or an additional control the organisation adds)."""

    area = "controls"

    ref = models.CharField("ID", max_length=12, unique=True, help_text="e.g. A.6.2.4")
    title = models.CharField(max_length=200)
    group = models.CharField(max_length=8, help_text="The Annex A group, e.g. A.6")
    group_title = models.CharField(max_length=200)
    purpose = models.TextField(help_text="What the control is for, in our own words.")
    sort_key = models.CharField(max_length=40, editable=False, default="")

    class Meta:
        ordering = ["sort_key"]

    # What __str__ reads: all a list page loads of a joined control (records/joins.py).
    name_fields = ("ref", "title")

    def __str__(self):
        return f"{self.ref} {self.title}"

    def get_absolute_url(self):
        return record_url("controls:control-detail", self.pk)


class CrosswalkMapping(TrackedModel):
    """One mapping from a control to another framework's function, category or article."""

    area = "controls"

    class Framework(models.TextChoices):
        NIST_AI_RMF = "nist", "NIST AI RMF"
        EU_AI_ACT = "euaia", "EU AI Act"

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="crosswalks")
    framework = models.CharField(max_length=8, choices=Framework.choices)
    reference = models.CharField(max_length=40, help_text="e.g. GOVERN 1 or Art. 10")
    label = models.CharField(max_length=200)

    class Meta:
        ordering = ["control__sort_key", "framework", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["control", "framework", "reference"], name="unique_crosswalk_row"
            )
        ]

    def __str__(self):
        return f"{self.control.ref} → {self.get_framework_display()} {self.reference}"

    def get_absolute_url(self):
        return self.control.get_absolute_url()


class StatementOfApplicability(TrackedModel):
    """The SoA as a document: its status in the approval workflow and revision counter."""

    area = "controls"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    title = models.CharField(max_length=200, default="Statement of Applicability")
    scope = models.TextField(blank=True, help_text="The AIMS scope this SoA covers.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "statement of applicability"
        verbose_name_plural = "statements of applicability"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("controls:soa")


class SoAEntry(TrackedModel):
    """The SoA's position on one control."""

    area = "controls"
    owner_field = "owner"
    system_link = "systems"
    # The SoA is the organisation's one statement: every reader sees all of it.
    scope_path = None
    # simple-history keeps the links of every version too (tables HistoricalSoAEntry_systems
    # and HistoricalSoAEntry_risks), so the as-of view shows them as they were.
    _history_m2m_fields: ClassVar[list[str]] = ["systems", "risks"]
    # The change reason of the versions migration 0005 wrote where that link history
    # started; versions before them have no links recorded (aims_portal.history).
    _history_links_start_reason: ClassVar[str] = (
        "Link history starts: linked AI systems and risks are recorded from this version on "
        "(they were not versioned before)"
    )

    class Applicability(models.TextChoices):
        UNDECIDED = "undecided", "Not yet decided"
        APPLICABLE = "applicable", "Applicable"
        EXCLUDED = "excluded", "Excluded"

    class Implementation(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        PLANNED = "planned", "Planned"
        PARTIAL = "partial", "Partially implemented"
        IMPLEMENTED = "implemented", "Implemented"

    control = models.OneToOneField(Control, on_delete=models.PROTECT, related_name="soa_entry")
    applicability = models.CharField(
        max_length=12, choices=Applicability.choices, default=Applicability.UNDECIDED
    )
    justification = models.TextField(
        blank=True, help_text="Why the control is included or excluded; required either way."
    )
    implementation_status = models.CharField(
        "implementation",
        max_length=12,
        choices=Implementation.choices,
        default=Implementation.NOT_STARTED,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_soa_entries",
    )
    systems = models.ManyToManyField(
        "registry.AISystem",
        blank=True,
        related_name="soa_entries",
        verbose_name="AI systems",
        help_text="Systems that make this control necessary or where it is implemented.",
    )
    risks = models.ManyToManyField(
        "assessments.Risk",
        blank=True,
        related_name="soa_entries",
        help_text="Risks of the register that this control treats.",
    )
    evidence = models.JSONField(
        "evidence references",
        default=list,
        blank=True,
        help_text="Where the proof lives: document names, ticket IDs or URLs.",
    )
    last_reviewed = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["control__sort_key"]
        verbose_name = "SoA entry"
        verbose_name_plural = "SoA entries"

    def __str__(self):
        return f"SoA {self.control.ref} {self.control.title}"

    def get_absolute_url(self):
        return record_url("controls:soaentry-detail", self.pk)


class SoARevision(TrackedModel):
    """An approved, frozen SoA: every entry as data, with document control."""

    area = "controls"

    soa = models.ForeignKey(
        StatementOfApplicability, on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    approval_note = models.TextField(blank=True)
    entries = models.JSONField(help_text="The frozen entries, one dict per control.")
    changes = models.JSONField(
        default=list, help_text="What changed since the previous revision, per control."
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["soa", "number"], name="unique_soa_revision_number")
        ]
        verbose_name = "SoA revision"

    def __str__(self):
        return f"SoA revision {self.number}"

    def get_absolute_url(self):
        return record_url("controls:soa-revision", self.number)


class ControlledDocument(TrackedModel):
    """Documented information (clause 7.5): the AI policy and other controlled documents."""

    area = "controls"
    # Every version keeps its links too (aims_portal.history_links).
    _history_m2m_fields: ClassVar[list[str]] = ["controls"]
    _history_links_start_reason: ClassVar[str] = LINKS_START_REASON
    _history_added_fields: ClassVar = {"0011_requirement_compliance": {"information": ""}}
    owner_field = "owner"

    class Kind(models.TextChoices):
        POLICY = "policy", "Policy"
        PROCEDURE = "procedure", "Procedure"
        STANDARD = "standard", "Standard"
        RECORD = "record", "Record"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    ref = models.CharField("ID", max_length=30, unique=True, help_text="e.g. POL-001")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.POLICY)
    summary = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_documents"
    )
    doc_version = models.CharField("document version", max_length=20, default="0.1")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_date = models.DateField("next review", null=True, blank=True)
    file = models.FileField(upload_to="documents/", storage=private_storage, blank=True)
    file_sha256 = models.CharField("file SHA-256", max_length=64, blank=True, editable=False)
    controls = models.ManyToManyField(Control, blank=True, related_name="documents")
    information = models.CharField(
        "documented information",
        max_length=40,
        blank=True,
        help_text="The item of the certification's documented-information list this document "
        "provides, if any (once approved).",
    )

    class Meta:
        ordering = ["ref"]
        verbose_name = "controlled document"
        indexes = sort_indexes("title", "kind", "doc_version", "status", "review_date")

    # What __str__ reads: all a list page loads of a joined controlled document (records/joins.py).
    name_fields = ("ref", "title")

    def __str__(self):
        return f"{self.ref} {self.title}"

    def get_absolute_url(self):
        return record_url("controls:document-detail", self.pk)


class DocumentExport(TrackedModel, BackgroundJob):
    """A requested SoA export; long ones are rendered by a Celery task that reports progress."""

    area = "controls"
    # The rendering task ticks these without a version (controls.tasks); the finished
    # export is saved with one. integrity.current_state does not compare them.
    _history_unversioned_fields: ClassVar[tuple[str, ...]] = ("status", "progress", "error")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"
        DOCX = "docx", "Word (DOCX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rendering"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    format = models.CharField(max_length=5, choices=Format.choices)
    revision = models.ForeignKey(
        SoARevision, on_delete=models.PROTECT, null=True, blank=True, related_name="exports"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="exports/", storage=private_storage, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    job_states = JobStates(queued=Status.QUEUED, running=Status.RUNNING, failed=Status.FAILED)

    class Meta:
        ordering = ["-created_at"]
        indexes = [unfinished_index("export_unfinished")]

    def __str__(self):
        what = f"revision {self.revision.number}" if self.revision_id else "current draft"
        return f"SoA {self.get_format_display()} export ({what})"

    def get_absolute_url(self):
        return record_url("controls:export-detail", self.pk)


class InformationListExport(DocumentJob):
    """A requested PDF of the documented-information list, rendered by a Celery task that
    reports progress (aims_portal.document_jobs). The list is computed, not a record: the
    file prints it as it stood when the worker rendered it."""

    area = "controls"
    routes = {
        "status": "controls:information-export-detail",
        "download": "controls:information-export-download",
        "retry": "controls:information-export-retry",
    }

    file = models.FileField(upload_to="information/", storage=document_storage, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "documented-information list"
        indexes = [unfinished_index("information_export_unfinished")]

    @property
    def source(self):
        return None  # the whole list, computed when rendered

    def __str__(self):
        return f"Documented-information list ({self.get_format_display()})"

    def get_absolute_url(self):
        return record_url("controls:information-export-detail", self.pk)

    def filename(self):
        return f"documented-information-{timezone.localdate().isoformat()}.{self.format}"

    def repeat(self):
        return InformationListExport(format=self.format)


class InclusionReason(TrackedModel):
    """One reason an applicable control is in the SoA (one row per reason): the choices that
    clause 6.1.3 asks for, beside the entry's written justification."""

    area = "controls"

    class Reason(models.TextChoices):
        RISK_TREATMENT = "risk_treatment", "Risk treatment"
        LEGAL = "legal", "Legal or regulatory requirement"
        CONTRACTUAL = "contractual", "Contractual obligation"
        GOOD_PRACTICE = "good_practice", "Good practice or business need"

    entry = models.ForeignKey(SoAEntry, on_delete=models.CASCADE, related_name="inclusion_reasons")
    reason = models.CharField(max_length=16, choices=Reason.choices)

    class Meta:
        ordering = ["entry", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "reason"], name="unique_inclusion_reason")
        ]

    def __str__(self):
        return f"{self.entry.control.ref}: {self.get_reason_display()}"

    def get_absolute_url(self):
        return self.entry.get_absolute_url()


class ExclusionReason(TrackedModel):
    """One reason an excluded control is left out of the SoA (one row per reason), beside the
    entry's written justification; the counterpart of ``InclusionReason``."""

    area = "controls"

    class Reason(models.TextChoices):
        NO_RISK = "no_risk", "No assessed risk calls for it"
        OUT_OF_SCOPE = "out_of_scope", "Activity outside the AIMS scope"
        THIRD_PARTY = "third_party", "Carried out by a supplier or customer"
        COVERED_ELSEWHERE = "covered_elsewhere", "Covered by another control or system"

    entry = models.ForeignKey(SoAEntry, on_delete=models.CASCADE, related_name="exclusion_reasons")
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        ordering = ["entry", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "reason"], name="unique_exclusion_reason")
        ]

    def __str__(self):
        return f"{self.entry.control.ref}: {self.get_reason_display()}"

    def get_absolute_url(self):
        return self.entry.get_absolute_url()


class DocumentSettings(TrackedModel):
    """What every exported document prints about its issuer: the organisation's name and
    logo, the SoA's document ID, classification and distribution. One row, kept by
    administrators in the portal."""

    area = "administration"

    class Classification(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        RESTRICTED = "restricted", "Restricted"

    organisation_name = models.CharField(max_length=200, default="Our organisation")
    logo = models.FileField(
        upload_to="branding/",
        storage=private_storage,
        blank=True,
        help_text="PNG or JPEG, at most 1 MB; printed on the cover of exported documents.",
    )
    soa_document_id = models.CharField(
        "SoA document ID",
        max_length=40,
        default="AIMS-SOA-001",
        help_text="The ID the SoA carries in your document register.",
    )
    classification = models.CharField(
        max_length=12, choices=Classification.choices, default=Classification.INTERNAL
    )
    distribution = models.TextField(
        blank=True,
        default="Top management; AIMS governance lead; internal audit; certification body",
        help_text="Who receives controlled copies.",
    )

    class Meta:
        verbose_name = "document settings"
        verbose_name_plural = "document settings"

    def __str__(self):
        return f"Document settings of {self.organisation_name}"

    def get_absolute_url(self):
        return reverse("controls:document-settings")
