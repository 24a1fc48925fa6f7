"""The certification cycle: the certification body, its external audits (stage 1, stage 2,
surveillance in years 1 and 2, recertification in year 3) and the certificate it issues."""

from django.conf import settings
from django.db import models

from aims_portal.links import record_url
from aims_portal.models import TrackedModel, sort_indexes


class CertificationBody(TrackedModel):
    """An accredited body that audits and certifies the AIMS."""

    area = "audits"

    name = models.CharField(max_length=200, unique=True)
    accreditation = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who accredits the body for ISO/IEC 42001 and under which number.",
    )
    contact_name = models.CharField("contact", max_length=200, blank=True)
    contact_email = models.EmailField("contact e-mail", blank=True)
    website = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "certification body"
        verbose_name_plural = "certification bodies"
        indexes = sort_indexes("accreditation")

    # What __str__ reads: all a list page loads of a joined certification body (records/joins.py).
    name_fields = ("name",)

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return record_url("audits:certbody-detail", self.pk)


class CertificationAudit(TrackedModel):
    """One audit by the certification body. Cycle 1 runs stage 1, stage 2, surveillance 1
    and 2; each later cycle opens with a recertification audit, then two surveillances."""

    area = "audits"
    owner_field = "owner"

    class Kind(models.TextChoices):
        STAGE_1 = "stage1", "Stage 1 (documentation and readiness)"
        STAGE_2 = "stage2", "Stage 2 (implementation)"
        SURVEILLANCE_1 = "surveillance1", "Surveillance, year 1"
        SURVEILLANCE_2 = "surveillance2", "Surveillance, year 2"
        RECERTIFICATION = "recertification", "Recertification, year 3"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        RECOMMENDED = "recommended", "Certification recommended"
        CONDITIONAL = "conditional", "Recommended once nonconformities are closed"
        NOT_RECOMMENDED = "not_recommended", "Not recommended"
        PROCEED = "proceed", "Ready to proceed to the next stage"
        NOT_READY = "not_ready", "Not ready to proceed"

    reference = models.CharField("ID", max_length=20, unique=True, editable=False)
    body = models.ForeignKey(
        CertificationBody,
        on_delete=models.PROTECT,
        related_name="audits",
        verbose_name="certification body",
    )
    kind = models.CharField("audit", max_length=16, choices=Kind.choices)
    cycle = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the initial certification; 2 from the first recertification."
    )
    planned_start = models.DateField()
    planned_end = models.DateField()
    lead_auditor = models.CharField(
        "lead auditor", max_length=200, blank=True, help_text="The body's lead auditor."
    )
    audit_team = models.TextField("other auditors", blank=True)
    scope = models.TextField(blank=True, help_text="What the body audits this time.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_certification_audits",
        verbose_name="coordinator",
        help_text="Who prepares the organisation and receives the reminders.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    completed_on = models.DateField("completed", null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    report_summary = models.TextField(
        "report summary", blank=True, help_text="What the body's report concludes."
    )

    class Meta:
        ordering = ["-planned_start", "-reference"]
        verbose_name = "certification audit"
        indexes = sort_indexes(("planned_start", "reference"), "kind", "status", "planned_end")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "kind"],
                condition=~models.Q(status="cancelled"),
                name="one_certification_audit_per_cycle_and_kind",
            )
        ]

    # What __str__ reads: all a list page loads of a joined certification audit (records/joins.py).
    name_fields = ("reference", "kind")

    def __str__(self):
        return f"{self.reference} {self.get_kind_display()}"

    def get_absolute_url(self):
        return record_url("audits:certaudit-detail", self.pk)


class Certificate(TrackedModel):
    """The certificate the body issues after a successful stage 2 or recertification."""

    area = "audits"
    owner_field = "owner"

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUSPENDED = "suspended", "Suspended"
        WITHDRAWN = "withdrawn", "Withdrawn"

    number = models.CharField("certificate number", max_length=60, unique=True)
    body = models.ForeignKey(
        CertificationBody,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="certification body",
    )
    granted_by = models.ForeignKey(
        CertificationAudit,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="granted after",
        help_text="The completed stage 2 or recertification audit that led to it.",
    )
    scope = models.TextField(help_text="The scope as printed on the certificate.")
    issued_on = models.DateField("issued")
    expires_on = models.DateField("expires")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_certificates",
        help_text="Who keeps the certificate current and receives the expiry reminders.",
    )

    class Meta:
        ordering = ["-issued_on"]
        indexes = sort_indexes("issued_on", "expires_on", "status")

    def __str__(self):
        return f"Certificate {self.number}"

    def get_absolute_url(self):
        return record_url("audits:certificate-detail", self.pk)
