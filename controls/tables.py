from typing import ClassVar

import django_tables2 as tables
from django.utils.html import format_html

from aims_portal.records.export import ExportValue
from aims_portal.records.tables import RecordTable

from .models import Control, ControlledDocument, Requirement, SoAEntry

APPLICABILITY_TONES = {"applicable": "primary", "excluded": "secondary", "undecided": "warning"}
IMPLEMENTATION_TONES = {
    "implemented": "success",
    "partial": "info",
    "planned": "warning",
    "not_started": "light",
}
DOCUMENT_TONES = {"draft": "secondary", "in_review": "warning", "approved": "success"}


class BadgeColumn(tables.Column):
    """A choice as a badge with its label (colour is never the only cue)."""

    def __init__(self, tones, **kwargs):
        self.tones = tones
        super().__init__(**kwargs)

    def render(self, value, record, bound_column):
        raw = getattr(record, bound_column.accessor)
        # One badge per choice: made once per table (a column belongs to one table).
        badges = self.__dict__.setdefault("_badges", {})
        key = (raw, value)
        if key not in badges:
            badges[key] = format_html(
                '<span class="badge text-bg-{}">{}</span>', self.tones.get(raw, "secondary"), value
            )
        return badges[key]

    def value(self, value):
        return value


class ControlTable(RecordTable):
    ref = tables.Column(linkify=True, order_by=("sort_key",))
    title = tables.Column(linkify=True)
    group = tables.Column(order_by=("sort_key",))
    applicability = BadgeColumn(
        APPLICABILITY_TONES,
        accessor="soa_entry__applicability",
        verbose_name="Applicability",
        order_by=("soa_entry__applicability",),
    )
    implementation = BadgeColumn(
        IMPLEMENTATION_TONES,
        accessor="soa_entry__implementation_status",
        verbose_name="Implementation",
        order_by=("soa_entry__implementation_status",),
    )

    class Meta:
        model = Control
        fields = ("ref", "title", "group", "group_title")
        empty_text = "No controls match."

    def render_applicability(self, value, record):
        entry = record.soa_entry
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            APPLICABILITY_TONES.get(entry.applicability, "secondary"),
            entry.get_applicability_display(),
        )

    def render_implementation(self, value, record):
        entry = record.soa_entry
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            IMPLEMENTATION_TONES.get(entry.implementation_status, "secondary"),
            entry.get_implementation_status_display(),
        )

    def value_applicability(self, value, record):
        return record.soa_entry.get_applicability_display()

    def value_implementation(self, value, record):
        return record.soa_entry.get_implementation_status_display()

    export_values: ClassVar = {
        "applicability": ExportValue(("soa_entry__applicability",)),
        "implementation": ExportValue(("soa_entry__implementation_status",)),
    }


REQUIREMENT_TONES = {
    "met": "success",
    "partial": "info",
    "planned": "warning",
    "not_started": "light",
}


class RequirementTable(RecordTable):
    ref = tables.Column(linkify=True, order_by=("sort_key",))
    title = tables.Column(linkify=True)
    status = BadgeColumn(REQUIREMENT_TONES)
    owner = tables.Column(order_by=("owner__username",))
    evidence_count = tables.Column(
        "Evidence", accessor="evidence_count", orderable=False, attrs={"td": {"class": "text-end"}}
    )

    class Meta:
        model = Requirement
        fields = ("ref", "title", "clause", "status", "owner", "evidence_count", "last_reviewed")
        empty_text = "No requirements match."

    def render_evidence_count(self, value, record):
        return value + len(record.evidence or ())

    def value_evidence_count(self, value, record):
        return value + len(record.evidence or ())

    export_values: ClassVar = {
        "evidence_count": ExportValue(
            ("evidence_count", "evidence"), lambda count, evidence: count + len(evidence or ())
        )
    }


class SoAEntryTable(RecordTable):
    control = tables.Column(linkify=lambda record: record.get_absolute_url())
    applicability = BadgeColumn(APPLICABILITY_TONES)
    implementation_status = BadgeColumn(IMPLEMENTATION_TONES)

    class Meta:
        model = SoAEntry
        fields = ("control", "applicability", "implementation_status", "owner", "last_reviewed")


class ControlledDocumentTable(RecordTable):
    ref = tables.Column(linkify=True)
    title = tables.Column(linkify=True)
    status = BadgeColumn(DOCUMENT_TONES)
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = ControlledDocument
        fields = ("ref", "title", "kind", "doc_version", "status", "owner", "review_date")
        empty_text = "No controlled documents match."
