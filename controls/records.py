"""Record type declarations: the generic pages and API of the controls app's records.

The SoA entries' list URL is taken over by the SoA overview page (views.soa_overview, placed
first in urls.py), so the navigation entry "Statement of Applicability" opens the whole SoA.
"""

from django.db.models import Count, Q

from aims_portal.context_processors import nav_link
from aims_portal.records import RecordType
from aims_portal.records.types import Section

from . import services
from .filters import (
    ControlFilterSet,
    ControlledDocumentFilterSet,
    RequirementFilterSet,
    SoAEntryFilterSet,
)
from .forms import ControlForm, ControlledDocumentForm, RequirementForm, SoAEntryForm
from .models import Control, ControlledDocument, CrosswalkMapping, Requirement, SoAEntry
from .tables import ControlledDocumentTable, ControlTable, RequirementTable, SoAEntryTable
from .workflows import DOCUMENT_WORKFLOW


def control_context(control, request):
    entry = (
        SoAEntry.objects.select_related("owner")
        .prefetch_related("systems")
        .filter(control=control)
        .first()
    )
    return {
        "crosswalks": list(
            CrosswalkMapping.objects.filter(control=control).order_by("framework", "reference")
        ),
        "entry": entry,
        "documents": list(control.documents.select_related("owner").order_by("ref")),
    }


def entry_context(entry, request):
    return {
        "systems": list(entry.systems.order_by("name")),
        "risks": list(entry.risks.order_by("reference")),
    }


def document_context(document, request):
    return {"linked_controls": list(document.controls.order_by("sort_key"))}


controls = RecordType(
    model=Control,
    app_name="controls",
    url_name="control",
    url_path="catalogue",
    nav_label="Annex A controls",
    icon="list-check",
    description="The Annex A controls, what each is for, how it maps to the NIST AI RMF and "
    "the EU AI Act, and where the SoA stands on it.",
    table_class=ControlTable,
    filterset_class=ControlFilterSet,
    form_class=ControlForm,
    create=services.control_create,
    update=services.control_update,
    list_select_related=("soa_entry",),
    sections=(Section("Control", ("ref", "title", "group", "group_title", "purpose")),),
    detail_template="controls/control_detail.html",
    detail_context=control_context,
)


class RequirementRecordType(RecordType):
    """Requirements listed with how many evidence items are attached (the audits app's
    evidence items point at them through the ``evidence_items`` relation)."""

    def queryset(self):
        return (
            super()
            .queryset()
            .annotate(
                evidence_count=Count(
                    "evidence_items", filter=Q(evidence_items__retired_at=None), distinct=True
                )
            )
        )


requirements = RequirementRecordType(
    model=Requirement,
    app_name="controls",
    url_name="requirement",
    url_path="clauses",
    nav_label="Clauses 4 to 10",
    icon="journal-text",
    description="The management-system requirements of clauses 4 to 10, all mandatory: where "
    "the organisation stands on each, who owns it and the evidence that it is met.",
    table_class=RequirementTable,
    filterset_class=RequirementFilterSet,
    form_class=RequirementForm,
    create=services.requirement_create,
    update=services.requirement_update,
    list_select_related=("owner",),
    sections=(
        Section("Requirement", ("ref", "title", "clause")),
        Section("Compliance", ("status", "owner", "last_reviewed", "notes")),
        Section("Evidence", ("evidence",)),
    ),
)

soa_entries = RecordType(
    model=SoAEntry,
    app_name="controls",
    url_name="soaentry",
    url_path="soa",
    nav_label="Statement of Applicability",
    icon="clipboard-check",
    description="One entry per control: applicable or not, why, and how far it is implemented.",
    table_class=SoAEntryTable,
    filterset_class=SoAEntryFilterSet,
    form_class=SoAEntryForm,
    create=services.soa_entry_create,
    update=services.soa_entry_update,
    list_select_related=("control", "owner"),
    sections=(
        Section("Control", ("control",)),
        Section(
            "Decision",
            ("applicability", "justification", "implementation_status", "owner", "last_reviewed"),
        ),
        Section("Evidence", ("evidence",)),
    ),
    detail_template="controls/soaentry_detail.html",
    detail_context=entry_context,
)

documents = RecordType(
    model=ControlledDocument,
    lookup=("ref", "title"),
    app_name="controls",
    url_name="document",
    url_path="documents",
    nav_label="Controlled documents",
    icon="file-earmark-text",
    description="Documented information (clause 7.5): the AI policy and other controlled "
    "documents, with owner, version, approval and review date.",
    table_class=ControlledDocumentTable,
    filterset_class=ControlledDocumentFilterSet,
    form_class=ControlledDocumentForm,
    create=services.document_create,
    update=services.document_update,
    list_select_related=("owner", "submitted_by", "approved_by"),
    workflow=DOCUMENT_WORKFLOW,
    transition=services.document_transition,
    editable=lambda document: document.status == ControlledDocument.Status.DRAFT,
    sections=(
        Section("Document", ("ref", "title", "kind", "summary", "owner")),
        Section(
            "Document control",
            (
                "doc_version",
                "status",
                "submitted_by",
                "approved_by",
                "approved_at",
                "review_date",
                "file_sha256",
            ),
        ),
    ),
    detail_template="controls/document_detail.html",
    detail_context=document_context,
)

nav_link(
    "controls",
    "Documented information",
    "controls:documented-information",
    icon="folder-check",
    order=50,
)
