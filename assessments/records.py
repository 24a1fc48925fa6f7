"""Record type declarations: impact assessments, risks and the scoring method."""

from aims_portal.records import Panel, RecordType
from aims_portal.records.filters import WorkflowStatusFilterSet
from aims_portal.records.tables import RecordTable
from aims_portal.records.types import Section

from . import services
from .filters import AssessmentFilterSet, RiskFilterSet
from .forms import AssessmentForm, RiskForm, ScoringMethodForm
from .models import ImpactAssessment, Risk, ScoringMethod
from .tables import AssessmentTable, RiskTable
from .workflows import assessment_workflow, risk_workflow


def _assessment_context(record, request):
    from .views import assessment_detail_context

    return assessment_detail_context(record, request)


def _risk_context(record, request):
    from .views import risk_detail_context

    return risk_detail_context(record, request)


def _method_context(record, request):
    from .views import method_detail_context

    return method_detail_context(record, request)


assessments = RecordType(
    model=ImpactAssessment,
    app_name="assessments",
    url_name="assessment",
    url_path="impact",
    nav_label="Impact assessments",
    icon="clipboard2-check",
    description="AI system impact assessments (Annex A.5): context, affected parties, "
    "impacts, decision and approval.",
    table_class=AssessmentTable,
    filterset_class=AssessmentFilterSet,
    form_class=AssessmentForm,
    create=services.assessment_create,
    update=services.assessment_update,
    list_select_related=("system", "owner", "approver"),
    workflow=assessment_workflow,
    transition=services.assessment_transition,
    editable=lambda record: record.is_open,
    detail_template="assessments/assessment_detail.html",
    detail_context=_assessment_context,
    sections=(
        Section(
            "System context", ("system", "purpose", "intended_users", "environment", "data_flows")
        ),
        Section("Affected parties", ("direct_users", "third_parties", "vulnerable_groups")),
        Section("Decision", ("decision", "decision_rationale", "next_review")),
    ),
)

risks = RecordType(
    model=Risk,
    app_name="assessments",
    url_name="risk",
    url_path="risks",
    nav_label="Risk register",
    icon="exclamation-diamond",
    description="AIMS risks with inherent and residual scores, treatment, owner and review.",
    table_class=RiskTable,
    filterset_class=RiskFilterSet,
    form_class=RiskForm,
    create=services.risk_create,
    update=services.risk_update,
    list_select_related=("owner",),
    list_prefetch_related=("systems",),
    workflow=risk_workflow,
    transition=services.risk_transition,
    editable=lambda record: record.status == Risk.Status.OPEN,
    detail_template="assessments/risk_detail.html",
    detail_context=_risk_context,
    sections=(
        Section("Risk", ("title", "description", "source", "owner", "review_date")),
        Section("Treatment", ("treatment", "treatment_plan")),
        Section(
            "Acceptance",
            ("status", "acceptance_requested_by", "accepted_by", "accepted_at"),
        ),
    ),
)


class ScoringMethodFilterSet(WorkflowStatusFilterSet):
    search_fields = ("name",)

    class Meta:
        model = ScoringMethod
        fields = ["q"]


class ScoringMethodTable(RecordTable):
    class Meta:
        model = ScoringMethod
        fields = ("name", "matrix_size", "updated_at")
        linkify = ("name",)


scoring_methods = RecordType(
    model=ScoringMethod,
    app_name="assessments",
    url_name="scoringmethod",
    url_path="scoring",
    nav_label="Scoring method",
    icon="grid-3x3",
    description="How likelihood and impact ratings combine into risk levels.",
    table_class=ScoringMethodTable,
    filterset_class=ScoringMethodFilterSet,
    form_class=ScoringMethodForm,
    create=services.scoring_method_create,
    update=services.scoring_method_update,
    detail_template="assessments/scoring_method_detail.html",
    detail_context=_method_context,
)


def extend_registry_pages():
    """Show an AI system's assessments (with the re-assessment flag) and risks on its page.

    The registry cannot import this app, so the panels are added to its record type here.
    """
    from registry.records import ai_systems

    names = {panel.related_name for panel in ai_systems.panels}
    added = []
    if "impact_assessments" not in names:
        added.append(
            Panel(
                "Impact assessments",
                related_name="impact_assessments",
                columns=("reference", "revision", "status", "needs_reassessment", "next_review"),
                empty="No impact assessment yet.",
            )
        )
    if "risks" not in names:
        added.append(
            Panel(
                "Risks",
                related_name="risks",
                columns=("reference", "title", "status", "treatment", "review_date"),
                empty="No risk in the register names this system.",
            )
        )
    ai_systems.panels = (*ai_systems.panels, *added)
