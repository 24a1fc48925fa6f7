from typing import ClassVar

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from aims_portal.records.export import ExportValue
from aims_portal.records.tables import RecordTable
from assessments.tables import StatusColumn

from .models import (
    Audit,
    AuditProgramme,
    Certificate,
    CertificationAudit,
    CertificationBody,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)

TONES = {
    "planned": "secondary",
    "in_progress": "info",
    "completed": "success",
    "cancelled": "light",
    "open": "primary",
    "closed": "light",
    "implemented": "info",
    "verified": "success",
    "draft": "secondary",
    "not_assessed": "light",
    "conforms": "success",
    "nonconformity": "danger",
    "observation": "warning",
    "major_nc": "danger",
    "minor_nc": "warning",
    "ofi": "info",
}


def badge(raw, label):
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', TONES.get(raw, "secondary"), label
    )


class AuditsStatusColumn(StatusColumn):
    def render(self, value, record):
        return badge(getattr(record, "status", ""), value)


class KindColumn(tables.Column):
    def render(self, value, record):
        return badge(record.kind, value)

    def value(self, value):
        return value


class DueColumn(tables.Column):
    """The due date, marked overdue in words as well as colour."""

    def render(self, value, record):
        if record.status in CorrectiveAction.OPEN_STATUSES and value < timezone.localdate():
            return format_html(
                '<span class="text-danger fw-semibold text-nowrap">{}</span> '
                '<span class="badge text-bg-danger"><i class="bi bi-alarm" aria-hidden="true"></i>'
                " Overdue</span>",
                value.strftime("%d %b %Y"),
            )
        return value.strftime("%d %b %Y")

    def value(self, value, record):
        return due_text(value, record.status)


def due_text(value, status):
    """A due date as exports print it, marked when the action is open and late."""
    late = status in CorrectiveAction.OPEN_STATUSES and value < timezone.localdate()
    return f"{value.isoformat()}{' (overdue)' if late else ''}"


class ProgrammeTable(RecordTable):
    year = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = AuditProgramme
        fields = ("year", "title", "owner", "updated_at")
        empty_text = "No audit programmes match."


class AuditTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    title = tables.Column(linkify=True)
    lead_auditor = tables.Column(order_by=("lead_auditor__username",))
    status = AuditsStatusColumn()

    class Meta:
        model = Audit
        fields = (
            "reference",
            "title",
            "programme",
            "lead_auditor",
            "planned_start",
            "planned_end",
            "status",
            "completed_at",
        )
        empty_text = "No audits match."


class ChecklistLineTable(RecordTable):
    audit = tables.Column(accessor="audit__reference", verbose_name="Audit")
    ref = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    result = tables.Column()
    # Not sortable: an optional link's name has no index to read rows in that order.
    assessed_by = tables.Column(orderable=False)

    class Meta:
        model = ChecklistLine
        fields = ("audit", "ref", "title", "result", "assessed_by", "assessed_at")
        empty_text = "No checklist lines match."

    def render_result(self, value, record):
        return badge(record.result, value)

    def value_result(self, value):
        return value


class FindingTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    title = tables.Column(linkify=True)
    kind = KindColumn(verbose_name="Type")
    audit = tables.Column(
        accessor="audit__reference",
        verbose_name="Audit",
        order_by=("audit__reference", "certification_audit__reference"),
        empty_values=(),
    )
    status = AuditsStatusColumn()

    def render_audit(self, value, record):
        source = record.source
        return source.reference if source else "—"

    def value_audit(self, value, record):
        return self.render_audit(value, record)

    # The finding's source is an internal audit or a certification audit.
    export_values: ClassVar = {
        "audit": ExportValue(
            ("audit__reference", "certification_audit__reference"),
            lambda internal, external: internal or external or "—",
        )
    }

    class Meta:
        model = Finding
        fields = ("reference", "title", "kind", "audit", "requirement_ref", "status", "created_at")
        empty_text = "No findings match."


class CorrectiveActionTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    title = tables.Column(linkify=True)
    # Not sortable: the finding or review it answers is one of two optional links, and no
    # index reads actions in that order.
    answers = tables.Column(empty_values=(), verbose_name="Answers", orderable=False)
    owner = tables.Column(order_by=("owner__username",))
    due_date = DueColumn(verbose_name="Due")
    status = AuditsStatusColumn()

    class Meta:
        model = CorrectiveAction
        fields = ("reference", "title", "answers", "owner", "due_date", "status")
        order_by = ("due_date", "reference")  # the reference breaks ties, as the model does
        empty_text = "No corrective actions match."

    def render_answers(self, record):
        source = record.finding if record.finding_id else record.review
        return format_html('<a href="{}">{}</a>', source.get_absolute_url(), source.reference)

    def value_answers(self, record):
        return record.finding.reference if record.finding_id else record.review.reference

    export_values: ClassVar = {
        "answers": ExportValue(
            ("finding_id", "finding__reference", "review__reference"),
            lambda finding, finding_ref, review_ref: finding_ref if finding else review_ref,
        ),
        "due_date": ExportValue(("due_date", "status"), due_text),
    }


class ManagementReviewTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    title = tables.Column(linkify=True)
    chair = tables.Column(order_by=("chair__username",))
    status = AuditsStatusColumn()

    class Meta:
        model = ManagementReview
        fields = ("reference", "title", "meeting_date", "chair", "status", "completed_at")
        empty_text = "No management reviews match."


class EvidenceTable(RecordTable):
    title = tables.Column(linkify=True)
    added_by = tables.Column(order_by=("added_by__username",))

    class Meta:
        model = EvidenceItem
        fields = ("title", "kind", "attached_to", "sha256", "added_by", "created_at")
        empty_text = "No evidence matches."

    def render_sha256(self, value):
        return format_html('<code title="{}">{}…</code>', value, value[:12])


CERTIFICATION_TONES = {
    "planned": "secondary",
    "completed": "success",
    "cancelled": "light",
    "valid": "success",
    "suspended": "warning",
    "withdrawn": "danger",
}


class CertificationStatusColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            CERTIFICATION_TONES.get(record.status, "secondary"),
            value,
        )

    def value(self, value):
        return value


class CertificationBodyTable(RecordTable):
    name = tables.Column(linkify=True)
    contact_name = tables.Column(orderable=False)
    contact_email = tables.Column(orderable=False)

    class Meta:
        model = CertificationBody
        fields = ("name", "accreditation", "contact_name", "contact_email")
        empty_text = "No certification body recorded yet."


class CertificationAuditTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    kind = tables.Column(linkify=True)
    body = tables.Column(order_by=("body__name",))
    status = CertificationStatusColumn()
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = CertificationAudit
        fields = (
            "reference",
            "kind",
            "cycle",
            "body",
            "planned_start",
            "planned_end",
            "status",
            "outcome",
            "owner",
        )
        order_by = ("planned_start", "reference")
        empty_text = "No certification audit planned yet."


class CertificateTable(RecordTable):
    number = tables.Column(linkify=True)
    body = tables.Column(order_by=("body__name",))
    status = CertificationStatusColumn()

    class Meta:
        model = Certificate
        fields = ("number", "body", "issued_on", "expires_on", "status", "owner")
        empty_text = "No certificate issued yet."
