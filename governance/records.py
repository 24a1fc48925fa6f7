"""Record type declarations: the generic pages and API of the management-system registers."""

from django.urls import path

from aims_portal import charts
from aims_portal.context_processors import nav_link
from aims_portal.records import Panel, RecordType
from aims_portal.records.types import Section

from . import selectors, services, views, workflows
from .filters import (
    CommunicationFilterSet,
    CompetenceFilterSet,
    ContextIssueFilterSet,
    InterestedPartyFilterSet,
    MeasurementFilterSet,
    ObjectiveFilterSet,
    PolicyAcknowledgementFilterSet,
    RaciAssignmentFilterSet,
    ScopeStatementFilterSet,
    TrainingRecordFilterSet,
)
from .forms import (
    CommunicationForm,
    CompetenceForm,
    ContextIssueForm,
    InterestedPartyForm,
    MeasurementForm,
    ObjectiveForm,
    PolicyAcknowledgementForm,
    RaciAssignmentForm,
    ScopeStatementForm,
    TrainingRecordForm,
)
from .models import (
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)
from .tables import (
    CommunicationTable,
    CompetenceTable,
    ContextIssueTable,
    InterestedPartyTable,
    MeasurementTable,
    ObjectiveTable,
    PolicyAcknowledgementTable,
    RaciAssignmentTable,
    ScopeStatementTable,
    TrainingRecordTable,
)


class ObjectiveRecordType(RecordType):
    """Objectives are listed with their latest reading (one annotated query)."""

    def queryset(self):
        return selectors.objectives()


issues = RecordType(
    model=ContextIssue,
    app_name="governance",
    url_name="issue",
    url_path="context",
    nav_label="Context issues",
    icon="globe2",
    description="Internal and external issues that bear on what the AIMS must achieve "
    "(clause 4.1), and how the management system responds to each.",
    table_class=ContextIssueTable,
    filterset_class=ContextIssueFilterSet,
    form_class=ContextIssueForm,
    create=services.issue_create,
    update=services.issue_update,
    list_select_related=("owner",),
    sections=(
        Section("Issue", ("reference", "title", "kind", "category", "description")),
        Section("Response", ("response", "owner", "review_date")),
    ),
)

parties = RecordType(
    model=InterestedParty,
    app_name="governance",
    url_name="party",
    url_path="parties",
    nav_label="Interested parties",
    icon="people",
    description="Who has a stake in the AIMS, what they require of it (regulatory, contractual "
    "or otherwise) and how the AIMS meets it (clause 4.2).",
    table_class=InterestedPartyTable,
    filterset_class=InterestedPartyFilterSet,
    form_class=InterestedPartyForm,
    create=services.party_create,
    update=services.party_update,
    list_select_related=("owner",),
    sections=(
        Section("Party", ("reference", "name", "category", "owner")),
        Section("Requirements", ("basis", "requirements", "how_addressed")),
    ),
)


def scope_context(scope, request):
    return {
        "systems_in": list(scope.systems_in.order_by("name")),
        "systems_out": list(scope.systems_out.order_by("name")),
        "suppliers": list(scope.suppliers.order_by("name")),
    }


scopes = RecordType(
    model=ScopeStatement,
    app_name="governance",
    url_name="scope",
    url_path="scope",
    nav_label="AIMS scope",
    icon="bounding-box",
    description="The scope of the AIMS (clause 4.3): boundaries, units and AI systems in and "
    "out, interfaces with providers. An executive approves each version.",
    table_class=ScopeStatementTable,
    filterset_class=ScopeStatementFilterSet,
    form_class=ScopeStatementForm,
    create=services.scope_create,
    update=services.scope_update,
    list_select_related=("owner", "approved_by"),
    workflow=workflows.SCOPE_WORKFLOW,
    transition=services.scope_transition,
    editable=lambda scope: scope.status == ScopeStatement.Status.DRAFT,
    sections=(
        Section(
            "Scope",
            ("title", "scope_version", "boundaries", "units_in", "units_out", "exclusions_reason"),
        ),
        Section("Providers", ("interfaces",)),
        Section(
            "Document control",
            ("owner", "status", "submitted_by", "approved_by", "approved_at"),
        ),
    ),
    detail_template="governance/scope_detail.html",
    detail_context=scope_context,
)

acknowledgements = RecordType(
    model=PolicyAcknowledgement,
    app_name="governance",
    url_name="acknowledgement",
    url_path="acknowledgements",
    nav_label="Policy acknowledgements",
    icon="check2-square",
    description="Who read which version of the AI policy, and when (clause 5.2). Staff "
    "acknowledge for themselves; reminders go to whoever has not read the current version.",
    table_class=PolicyAcknowledgementTable,
    filterset_class=PolicyAcknowledgementFilterSet,
    form_class=PolicyAcknowledgementForm,
    create=services.acknowledgement_create,
    update=services.acknowledgement_update,
    editable=lambda ack: False,
    list_select_related=("document", "person"),
    sections=(
        Section("Acknowledgement", ("person", "document", "doc_version", "acknowledged_at")),
    ),
    extra_urls=(
        path(
            "acknowledgements/status/", views.acknowledgement_status, name="acknowledgement-status"
        ),
    ),
)

raci = RecordType(
    model=RaciAssignment,
    app_name="governance",
    url_name="raci",
    url_path="raci",
    nav_label="Roles and responsibilities",
    icon="diagram-3",
    description="A RACI per AIMS process and per AI system (clause 5.3): who is responsible, "
    "accountable, consulted and informed for each activity.",
    table_class=RaciAssignmentTable,
    filterset_class=RaciAssignmentFilterSet,
    form_class=RaciAssignmentForm,
    create=services.raci_create,
    update=services.raci_update,
    list_select_related=("system", "person"),
    sections=(Section("Assignment", ("process", "system", "activity", "role", "person")),),
    extra_urls=(path("raci/matrix/", views.raci_matrix, name="raci-matrix"),),
)


def objective_context(objective, request):
    readings = list(
        objective.measurements.select_related("recorded_by").order_by("measured_on", "pk")
    )
    status = selectors.objective_status(objective)
    chart = ""
    if readings:
        periods = [f"{r.measured_on:%d %b %y}" for r in readings]
        chart = charts.line_chart(
            [
                charts.Series("Reading", [float(r.value) for r in readings]),
                charts.Series("Target", [float(objective.target)] * len(readings)),
            ],
            periods,
            title=f"{objective.reference} readings against the target",
            key=f"chart-objective-{objective.pk}",
        )
    return {"readings": readings[::-1], "status": status, "chart": chart}


objectives = ObjectiveRecordType(
    model=Objective,
    lookup=("reference", "title"),
    app_name="governance",
    url_name="objective",
    url_path="objectives",
    nav_label="AI objectives",
    icon="bullseye",
    description="AI objectives (clause 6.2) with owner, measure, target, due date and plan, "
    "and their readings over time (clause 9.1).",
    table_class=ObjectiveTable,
    filterset_class=ObjectiveFilterSet,
    form_class=ObjectiveForm,
    create=services.objective_create,
    update=services.objective_update,
    sections=(
        Section("Objective", ("reference", "title", "owner", "due_date", "plan")),
        Section("Measure", ("measure", "metric", "target", "unit", "direction")),
    ),
    detail_template="governance/objective_detail.html",
    detail_context=objective_context,
)

measurements = RecordType(
    model=Measurement,
    app_name="governance",
    url_name="measurement",
    url_path="measurements",
    nav_label="Measurements",
    icon="graph-up",
    description="Readings of the objectives' measures: typed in, sent by the API, or computed "
    "every day from the portal's own data.",
    table_class=MeasurementTable,
    filterset_class=MeasurementFilterSet,
    form_class=MeasurementForm,
    create=services.measurement_create,
    update=services.measurement_update,
    editable=lambda m: m.source != Measurement.Source.COMPUTED,
    list_select_related=("objective", "recorded_by"),
    sections=(
        Section("Reading", ("objective", "measured_on", "value", "source", "note", "recorded_by")),
    ),
)

competences = RecordType(
    model=Competence,
    lookup=("reference", "name"),
    app_name="governance",
    url_name="competence",
    url_path="competences",
    nav_label="Competences",
    icon="mortarboard",
    description="Competences each role and each AI system requires (clause 7.2), and how "
    "long a proof of each stays valid.",
    table_class=CompetenceTable,
    filterset_class=CompetenceFilterSet,
    form_class=CompetenceForm,
    create=services.competence_create,
    update=services.competence_update,
    list_select_related=("system",),
    sections=(
        Section(
            "Competence", ("reference", "name", "description", "role", "system", "validity_months")
        ),
    ),
    panels=(
        Panel(
            "Training records",
            "training_records",
            ("activity", "person", "completed_on", "expires_on"),
            select_related=("person",),
            empty="Nobody holds this competence yet.",
        ),
    ),
)

training = RecordType(
    model=TrainingRecord,
    app_name="governance",
    url_name="training",
    url_path="training",
    nav_label="Training records",
    icon="award",
    description="Training taken and competence shown (clause 7.2): who, what, when, until "
    "when, with the evidence file.",
    table_class=TrainingRecordTable,
    filterset_class=TrainingRecordFilterSet,
    form_class=TrainingRecordForm,
    create=services.training_create,
    update=services.training_update,
    list_select_related=("person", "competence"),
    sections=(
        Section("Record", ("person", "competence", "activity", "provider")),
        Section("Validity", ("completed_on", "expires_on", "evidence_sha256")),
    ),
    detail_template="governance/training_detail.html",
    extra_urls=(
        path("training/matrix/", views.training_matrix, name="training-matrix"),
        path("training/<int:pk>/evidence/", views.training_evidence, name="training-evidence"),
        path(
            "training/<int:pk>/evidence/download/",
            views.training_evidence_download,
            name="training-evidence-download",
        ),
    ),
)

communications = RecordType(
    model=Communication,
    app_name="governance",
    url_name="communication",
    url_path="communication",
    nav_label="Communication plan",
    icon="megaphone",
    description="What the AIMS communicates, to whom, when, how and by whom (clause 7.4).",
    table_class=CommunicationTable,
    filterset_class=CommunicationFilterSet,
    form_class=CommunicationForm,
    create=services.communication_create,
    update=services.communication_update,
    list_select_related=("responsible",),
    sections=(
        Section("Communication", ("topic", "audience", "audience_kind", "timing", "channel")),
        Section("Responsibility", ("responsible", "next_due")),
    ),
)

# Pages of the section that are not record lists.
nav_link("governance", "RACI matrix", "governance:raci-matrix", icon="grid-3x3", order=10)
nav_link("governance", "Training matrix", "governance:training-matrix", icon="table", order=20)
nav_link(
    "governance",
    "Policy acknowledgement status",
    "governance:acknowledgement-status",
    icon="person-check",
    order=30,
)
