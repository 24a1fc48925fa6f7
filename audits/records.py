"""Record type declarations: the generic pages of the audits app's records, and the evidence
panels this app adds to the SoA entry and impact assessment pages."""

from django.urls import reverse

from aims_portal import roles
from aims_portal.records import Panel, RecordType
from aims_portal.records.types import Section

from . import services
from .filters import (
    AuditFilterSet,
    CertificateFilterSet,
    CertificationAuditFilterSet,
    CertificationBodyFilterSet,
    ChecklistLineFilterSet,
    CorrectiveActionFilterSet,
    EvidenceFilterSet,
    FindingFilterSet,
    ManagementReviewFilterSet,
    ProgrammeFilterSet,
)
from .forms import (
    AuditForm,
    CertificateForm,
    CertificationAuditForm,
    CertificationBodyForm,
    ChecklistLineForm,
    CorrectiveActionForm,
    EvidenceEditForm,
    FindingForm,
    ManagementReviewForm,
    ProgrammeForm,
)
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
from .tables import (
    AuditTable,
    CertificateTable,
    CertificationAuditTable,
    CertificationBodyTable,
    ChecklistLineTable,
    CorrectiveActionTable,
    EvidenceTable,
    FindingTable,
    ManagementReviewTable,
    ProgrammeTable,
)
from .workflows import action_workflow, audit_workflow, finding_workflow, review_workflow


def _context(name):
    def context(record, request):
        from . import views

        return getattr(views, name)(record, request)

    return context


def evidence_add_link(record, user):
    """ "Add evidence" on any page that carries the evidence panel, with the record chosen."""
    target = EVIDENCE_TARGETS.get(record._meta.label_lower)
    if target is None or not roles.can(user, "create", "audits"):
        return None
    return "Add evidence", f"{reverse('audits:evidence-create')}?{target}={record.pk}"


# The evidence item's field that points at each record of another app that can carry
# evidence (the audits app's own pages have an "Add evidence" button in their header).
EVIDENCE_TARGETS = {
    "controls.soaentry": "soa_entry",
    "assessments.impactassessment": "assessment",
    "controls.requirement": "requirement",
}

EVIDENCE_PANEL = Panel(
    "Evidence",
    related_name="evidence_items",
    columns=("title", "kind", "sha256", "added_by", "created_at"),
    select_related=("added_by",),
    empty="No evidence attached yet.",
    add_link=evidence_add_link,
)

programmes = RecordType(
    model=AuditProgramme,
    lookup=("title", "year"),
    app_name="audits",
    url_name="programme",
    url_path="programmes",
    nav_label="Audit programmes",
    icon="calendar3",
    description="The internal audits planned for each year and what they should cover.",
    table_class=ProgrammeTable,
    filterset_class=ProgrammeFilterSet,
    form_class=ProgrammeForm,
    create=services.programme_create,
    update=services.programme_update,
    list_select_related=("owner",),
    sections=(Section("Programme", ("year", "title", "objectives", "owner")),),
    panels=(
        Panel(
            "Audits",
            related_name="audits",
            columns=("reference", "title", "planned_start", "planned_end", "status"),
            empty="No audits planned in this programme yet.",
        ),
    ),
)

audits = RecordType(
    model=Audit,
    lookup=("reference", "title"),
    app_name="audits",
    url_name="audit",
    url_path="audits",
    nav_label="Internal audits",
    icon="search",
    description="Internal audits: scope, criteria, independent auditors, checklist and report.",
    table_class=AuditTable,
    filterset_class=AuditFilterSet,
    form_class=AuditForm,
    create=services.audit_create,
    update=services.audit_update,
    list_select_related=("programme", "lead_auditor"),
    workflow=audit_workflow,
    transition=services.audit_transition,
    editable=lambda audit: audit.is_open,
    detail_template="audits/audit_detail.html",
    detail_context=_context("audit_context"),
    sections=(
        Section("Audit", ("programme", "title", "scope", "status")),
        Section(
            "Team and dates",
            (
                "lead_auditor",
                "auditors",
                "planned_start",
                "planned_end",
                "started_at",
                "completed_at",
            ),
        ),
        Section("Conclusion", ("conclusion",)),
    ),
)

checklist_lines = RecordType(
    model=ChecklistLine,
    app_name="audits",
    url_name="checklistline",
    url_path="checklist",
    nav_label="Checklist results",
    icon="list-check",
    description="Every audit's results per requirement and control, across audits.",
    table_class=ChecklistLineTable,
    filterset_class=ChecklistLineFilterSet,
    form_class=ChecklistLineForm,
    create=services.checklist_line_create,
    update=services.checklist_line_update,
    list_select_related=("audit", "assessed_by"),
    editable=lambda line: line.audit.status == Audit.Status.IN_PROGRESS,
    detail_template="audits/checklistline_detail.html",
    detail_context=_context("line_context"),
    sections=(
        Section("Criterion", ("audit", "ref", "title")),
        Section("Result", ("result", "notes", "assessed_by", "assessed_at")),
    ),
    panels=(EVIDENCE_PANEL,),
)

findings = RecordType(
    model=Finding,
    app_name="audits",
    url_name="finding",
    url_path="findings",
    nav_label="Findings",
    icon="flag",
    description="Nonconformities, observations and opportunities for improvement from audits.",
    table_class=FindingTable,
    filterset_class=FindingFilterSet,
    form_class=FindingForm,
    create=services.finding_raise,
    update=services.finding_update,
    list_select_related=("audit", "certification_audit"),
    workflow=finding_workflow,
    transition=services.finding_transition,
    editable=lambda finding: finding.status == Finding.Status.OPEN,
    detail_template="audits/finding_detail.html",
    detail_context=_context("finding_context"),
    sections=(
        Section(
            "Finding",
            (
                "audit",
                "checklist_line",
                "certification_audit",
                "requirement_ref",
                "kind",
                "status",
            ),
        ),
        Section("What was found", ("title", "description", "evidence_summary")),
        Section("Raised", ("raised_by", "created_at", "closed_at")),
    ),
    panels=(EVIDENCE_PANEL,),
)

actions = RecordType(
    model=CorrectiveAction,
    app_name="audits",
    url_name="action",
    url_path="actions",
    nav_label="Corrective actions",
    icon="tools",
    description="Actions on findings and review decisions: root cause, owner, due date and the "
    "independent check that they worked.",
    table_class=CorrectiveActionTable,
    filterset_class=CorrectiveActionFilterSet,
    form_class=CorrectiveActionForm,
    create=services.corrective_action_create,
    update=services.corrective_action_update,
    list_select_related=("finding", "review", "owner"),
    workflow=action_workflow,
    transition=services.corrective_action_transition,
    editable=lambda action: action.status in CorrectiveAction.OPEN_STATUSES,
    detail_template="audits/action_detail.html",
    detail_context=_context("action_context"),
    sections=(
        Section("Action", ("title", "owner", "due_date", "status")),
        Section("Analysis and plan", ("root_cause", "correction", "action", "implemented_at")),
        Section(
            "Effectiveness check",
            (
                "effectiveness_checked_by",
                "effectiveness_checked_at",
                "effectiveness_result",
                "effectiveness_notes",
            ),
        ),
    ),
    panels=(EVIDENCE_PANEL,),
)

reviews = RecordType(
    model=ManagementReview,
    app_name="audits",
    url_name="review",
    url_path="reviews",
    nav_label="Management reviews",
    icon="people",
    description="Top management's reviews of the AIMS: inputs, decisions and actions, with "
    "the figures of the day frozen in.",
    table_class=ManagementReviewTable,
    filterset_class=ManagementReviewFilterSet,
    form_class=ManagementReviewForm,
    create=services.review_create,
    update=services.review_update,
    list_select_related=("chair",),
    workflow=review_workflow,
    transition=services.review_transition,
    editable=lambda review: not review.is_completed,
    detail_template="audits/review_detail.html",
    detail_context=_context("review_context"),
    sections=(
        Section(
            "Meeting",
            ("meeting_date", "chair", "attendees", "other_attendees", "status"),
        ),
        Section(
            "Inputs written for the review",
            (
                "changes_in_issues",
                "interested_parties_feedback",
                "objectives_performance",
                "improvement_opportunities",
            ),
        ),
        Section("Decisions", ("decisions", "completed_by", "completed_at")),
    ),
)

evidence = RecordType(
    model=EvidenceItem,
    app_name="audits",
    url_name="evidence",
    url_path="evidence",
    nav_label="Evidence",
    icon="paperclip",
    description="Files (kept with their SHA-256), links and pointers to portal records that "
    "prove what audits, findings, actions, SoA entries and assessments claim.",
    table_class=EvidenceTable,
    filterset_class=EvidenceFilterSet,
    form_class=EvidenceEditForm,
    create=services.evidence_create,
    update=services.evidence_update,
    retire=services.evidence_retire,
    list_select_related=("added_by",),
    detail_template="audits/evidence_detail.html",
    sections=(
        Section("Evidence", ("title", "kind", "description", "attached_to", "added_by")),
        Section("Content", ("file_name", "file_size", "sha256", "url", "record_label")),
    ),
)


def certification_finding_link(audit, user):
    """ "Record a finding" on a certification audit's page, for those who may raise one."""
    if audit.status == CertificationAudit.Status.CANCELLED or not roles.can(
        user, "create", "audits"
    ):
        return None
    return "Record a finding", reverse("audits:certaudit-finding", args=[audit.pk])


certification_bodies = RecordType(
    model=CertificationBody,
    lookup=("name",),
    app_name="audits",
    url_name="certbody",
    url_path="certification/bodies",
    nav_label="Certification bodies",
    icon="building-check",
    description="The accredited bodies that audit and certify the AIMS.",
    table_class=CertificationBodyTable,
    filterset_class=CertificationBodyFilterSet,
    form_class=CertificationBodyForm,
    create=services.certification_body_create,
    update=services.certification_body_update,
    retire=services.certification_body_retire,
    sections=(
        Section("Body", ("name", "accreditation", "website")),
        Section("Contact", ("contact_name", "contact_email", "notes")),
    ),
    panels=(
        Panel(
            "Audits",
            related_name="audits",
            columns=("reference", "kind", "planned_start", "status"),
            empty="No audit with this body yet.",
        ),
        Panel(
            "Certificates",
            related_name="certificates",
            columns=("number", "issued_on", "expires_on", "status"),
            empty="No certificate from this body yet.",
        ),
    ),
)

certification_audits = RecordType(
    model=CertificationAudit,
    lookup=("reference",),
    app_name="audits",
    url_name="certaudit",
    url_path="certification/audits",
    nav_label="Certification audits",
    icon="patch-check",
    description="The certification cycle: stage 1 and stage 2, surveillance in years 1 and 2, "
    "recertification in year 3. Each audit starts after the one before it ends.",
    table_class=CertificationAuditTable,
    filterset_class=CertificationAuditFilterSet,
    form_class=CertificationAuditForm,
    create=services.certification_audit_create,
    update=services.certification_audit_update,
    list_select_related=("body", "owner"),
    editable=lambda audit: audit.status == CertificationAudit.Status.PLANNED,
    sections=(
        Section("Audit", ("body", "kind", "cycle", "scope", "owner")),
        Section("Dates and team", ("planned_start", "planned_end", "lead_auditor", "audit_team")),
        Section("Result", ("status", "completed_on", "outcome", "report_summary")),
    ),
    panels=(
        Panel(
            "Findings of the certification body",
            related_name="findings",
            columns=("reference", "title", "kind", "requirement_ref", "status"),
            empty="No finding recorded from this audit.",
            add_link=certification_finding_link,
        ),
    ),
)

certificates = RecordType(
    model=Certificate,
    app_name="audits",
    url_name="certificate",
    url_path="certification/certificates",
    nav_label="Certificates",
    icon="award",
    description="The AIMS certificate: number, scope, issue and expiry dates.",
    table_class=CertificateTable,
    filterset_class=CertificateFilterSet,
    form_class=CertificateForm,
    create=services.certificate_create,
    update=services.certificate_update,
    list_select_related=("body", "owner"),
    sections=(
        Section("Certificate", ("number", "body", "granted_by", "status", "owner")),
        Section("Scope and validity", ("scope", "issued_on", "expires_on")),
    ),
)


def extend_other_pages():
    """Evidence panels on SoA entry and impact assessment pages: those apps cannot import
    this one, so the panels are added to their record types from here."""
    from assessments.records import assessments
    from controls.records import requirements, soa_entries

    for record_type in (soa_entries, assessments, requirements):
        if not any(p.related_name == "evidence_items" for p in record_type.panels):
            record_type.panels = (*record_type.panels, EVIDENCE_PANEL)
