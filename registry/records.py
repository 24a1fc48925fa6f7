"""Record type declarations: what the generic pages and API show for each registry record."""

from django.urls import path

from aims_portal.records import Panel, RecordType
from aims_portal.records.types import Section

from . import services, views
from .filters import (
    AISystemFilterSet,
    ChangeRequestFilterSet,
    DataSourceFilterSet,
    IncidentFilterSet,
    ModelVersionFilterSet,
    RegistryPolicyFilterSet,
    SupplierFilterSet,
)
from .forms import (
    AISystemForm,
    ChangeRequestForm,
    DataSourceForm,
    IncidentForm,
    ModelVersionForm,
    RegistryPolicyForm,
    SupplierForm,
)
from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)
from .tables import (
    AISystemTable,
    ChangeRequestTable,
    DataSourceTable,
    IncidentTable,
    ModelVersionTable,
    RegistryPolicyTable,
    SupplierTable,
)
from .workflows import change_workflow, incident_workflow

ai_systems = RecordType(
    model=AISystem,
    lookup=("slug", "name"),
    app_name="registry",
    url_name="aisystem",
    url_path="systems",
    nav_label="AI systems",
    icon="cpu",
    description="Every AI system the AIMS covers, its classification, model and lifecycle.",
    table_class=AISystemTable,
    filterset_class=AISystemFilterSet,
    form_class=AISystemForm,
    create=services.ai_system_create,
    update=services.ai_system_update,
    list_select_related=("owner", "supplier"),
    detail_template="registry/aisystem_detail.html",
    detail_context=views.system_detail_context,
    extra_urls=(
        path("systems/<int:pk>/yaml/", views.system_yaml, name="aisystem-yaml"),
        path("systems/yaml/", views.systems_yaml_zip, name="aisystem-yaml-all"),
        path("systems/import/", views.YAMLImportView.as_view(), name="aisystem-import"),
        path("systems/<int:pk>/sign-off/", views.sign_off, name="aisystem-sign-off"),
        path("systems/<int:pk>/sync/", views.system_sync, name="aisystem-sync"),
    ),
    panels=(
        Panel(
            "Data sources",
            related_name="data_sources",
            columns=("name", "kind", "pii", "retention_days", "licence", "retired_at"),
            empty="No data sources recorded.",
        ),
        Panel(
            "Model versions (lineage)",
            related_name="model_versions",
            columns=("label", "base_model", "data_snapshot", "deployed_at", "superseded_at"),
            empty="No model versions recorded.",
        ),
        Panel(
            "Lifecycle changes",
            related_name="changes",
            columns=("id", "kind", "target_stage", "new_value", "status", "policy_passed"),
            empty="No change requested yet.",
        ),
        Panel(
            "AI incidents",
            related_name="incidents",
            columns=("title", "severity", "status", "detected_at"),
            empty="No incidents reported.",
        ),
    ),
    sections=(
        Section("System", ("slug", "name", "description", "owner", "owner_team", "contact")),
        Section(
            "Classification",
            ("purpose", "data_sensitivity", "risk_tier", "eu_ai_act_tier", "affected_parties"),
        ),
        Section("Deployment", ("environment", "regions", "endpoint")),
        Section(
            "Model",
            (
                "model_type",
                "base_model",
                "provider",
                "supplier",
                "version_pinned",
                "weights_location",
                "training_statement",
            ),
        ),
        Section(
            "Governance and lifecycle",
            (
                "impact_assessment_ref",
                "approved_by",
                "last_reviewed",
                "next_review",
                "stage",
                "decommission_date",
                "source_commit",
            ),
        ),
        Section(
            "Operation",
            ("log_retention_days", "monitoring", "incident_runbook", "runbook_tested_on"),
        ),
    ),
)

suppliers = RecordType(
    model=Supplier,
    lookup=("name",),
    app_name="registry",
    url_name="supplier",
    url_path="suppliers",
    icon="building",
    description="Third parties behind models, data, tools and hosting, with due diligence.",
    table_class=SupplierTable,
    filterset_class=SupplierFilterSet,
    form_class=SupplierForm,
    create=services.supplier_create,
    update=services.supplier_update,
    retire=services.supplier_retire,
    list_select_related=("owner",),
    sections=(
        Section("Supplier", ("name", "services", "description", "website", "owner")),
        Section("Contact", ("contact_name", "contact_email")),
        Section(
            "Due diligence",
            ("due_diligence_status", "due_diligence_notes", "last_reviewed", "next_review"),
        ),
    ),
    panels=(
        Panel(
            "AI systems using this supplier",
            related_name="ai_systems",
            columns=("name", "stage", "risk_tier", "owner"),
            select_related=("owner",),
            empty="No AI system is linked to this supplier.",
        ),
    ),
)


data_sources = RecordType(
    model=DataSource,
    app_name="registry",
    url_name="datasource",
    url_path="data-sources",
    icon="database",
    description="Training, fine-tuning, retrieval and evaluation data behind each AI system.",
    table_class=DataSourceTable,
    filterset_class=DataSourceFilterSet,
    form_class=DataSourceForm,
    create=services.data_source_create,
    update=services.data_source_update,
    retire=services.data_source_retire,
    list_select_related=("system",),
    sections=(
        Section("Data source", ("system", "kind", "name", "location")),
        Section("Handling", ("pii", "retention_days", "provenance", "licence", "access_logging")),
    ),
)

model_versions = RecordType(
    model=ModelVersion,
    app_name="registry",
    url_name="modelversion",
    url_path="model-versions",
    icon="diagram-3",
    description="Which model, configuration and data each system ran, and when (lineage).",
    table_class=ModelVersionTable,
    filterset_class=ModelVersionFilterSet,
    form_class=ModelVersionForm,
    create=services.model_version_create,
    update=services.model_version_update,
    list_select_related=("system",),
    sections=(
        Section("Version", ("system", "label", "base_model", "provider", "change")),
        Section("Configuration and data", ("configuration", "data_snapshot")),
        Section("In use", ("deployed_at", "superseded_at", "recorded_by")),
    ),
)

incidents = RecordType(
    model=Incident,
    app_name="registry",
    url_name="incident",
    url_path="incidents",
    nav_label="AI incidents",
    icon="exclamation-octagon",
    description="Harm or near misses caused by AI systems: detection, containment, lessons.",
    table_class=IncidentTable,
    filterset_class=IncidentFilterSet,
    form_class=IncidentForm,
    create=services.incident_create,
    update=services.incident_update,
    workflow=incident_workflow,
    transition=services.incident_transition,
    editable=lambda incident: incident.status != Incident.Status.CLOSED,
    list_select_related=("system",),
    sections=(
        Section("Incident", ("system", "title", "severity", "status", "reported_by")),
        Section("Detection", ("detected_at", "detection", "description")),
        Section("Response", ("containment", "investigation", "postmortem")),
    ),
)

change_requests = RecordType(
    model=ChangeRequest,
    app_name="registry",
    url_name="change",
    url_path="changes",
    nav_label="Lifecycle changes",
    icon="signpost-split",
    description="Requests to move a system between stages or change it materially, "
    "with the policy result frozen at request time and a four-eyes approval.",
    table_class=ChangeRequestTable,
    filterset_class=ChangeRequestFilterSet,
    form_class=ChangeRequestForm,
    create=services.change_request_create,
    update=services.change_request_update,
    workflow=change_workflow,
    transition=services.change_request_transition,
    editable=lambda change: change.status == ChangeRequest.Status.SUBMITTED,
    list_select_related=("system", "requested_by"),
    detail_template="registry/change_detail.html",
    detail_context=views.change_detail_context,
    extra_urls=(
        path("changes/<int:pk>/recheck/", views.change_recheck, name="change-recheck"),
        path("changes/<int:pk>/override/", views.change_override, name="change-override"),
    ),
    sections=(
        Section(
            "Request",
            ("system", "kind", "from_stage", "target_stage", "new_value", "reason", "requested_by"),
        ),
        Section(
            "Evidence",
            ("regression_evidence", "impact_assessment_update", "updated_impact_assessment_ref"),
        ),
        Section(
            "Decision",
            ("status", "decided_by", "decided_role", "decided_at", "applied_at"),
        ),
        Section(
            "Stage skip and source",
            ("override_by", "override_at", "override_justification", "source_commit"),
        ),
    ),
)

policies = RecordType(
    model=RegistryPolicy,
    app_name="registry",
    url_name="policy",
    url_path="policies",
    nav_label="Registry policies",
    icon="shield-check",
    description="Rules in Rego that every AI system record must pass; the three built-in "
    "rules and the rules in the policy folder apply as well.",
    table_class=RegistryPolicyTable,
    filterset_class=RegistryPolicyFilterSet,
    form_class=RegistryPolicyForm,
    create=services.policy_create,
    update=services.policy_update,
    retire=services.policy_retire,
    detail_template="registry/policy_detail.html",
    detail_context=views.policy_detail_context,
    sections=(
        Section("Policy", ("name", "title", "description", "enabled")),
        Section("Rule", ("rego",)),
    ),
)
