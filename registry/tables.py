import django_tables2 as tables

from aims_portal.records.tables import RecordTable

from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)


class BadgeColumn(tables.Column):
    """A choice shown as a coloured badge with its label (colour is never the only cue)."""

    def __init__(self, tones, **kwargs):
        self.tones = tones
        super().__init__(**kwargs)

    def render(self, value, record, bound_column):
        from django.utils.html import format_html

        raw = getattr(record, bound_column.accessor)
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', self.tones.get(raw, "secondary"), value
        )

    def value(self, value):
        return value


STAGE_TONES = {
    "proposed": "secondary",
    "development": "info",
    "validation": "primary",
    "production": "success",
    "retired": "dark",
}
STATUS_TONES = {
    "submitted": "warning",
    "approved": "success",
    "rejected": "danger",
    "withdrawn": "secondary",
    "open": "danger",
    "contained": "warning",
    "resolved": "info",
    "closed": "success",
}
TIER_TONES = {"low": "success", "medium": "info", "high": "warning", "critical": "danger"}
DUE_DILIGENCE_TONES = {
    "approved": "success",
    "conditional": "info",
    "in_progress": "warning",
    "not_started": "secondary",
    "rejected": "danger",
}


class SupplierTable(RecordTable):
    name = tables.Column(linkify=True)
    due_diligence_status = BadgeColumn(DUE_DILIGENCE_TONES)
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = Supplier
        fields = ("name", "services", "due_diligence_status", "owner", "next_review")
        empty_text = "No suppliers match."


class AISystemTable(RecordTable):
    name = tables.Column(linkify=True)
    stage = BadgeColumn(STAGE_TONES)
    risk_tier = BadgeColumn(TIER_TONES)
    owner = tables.Column(order_by=("owner__username",))

    class Meta:
        model = AISystem
        fields = (
            "slug",
            "name",
            "stage",
            "risk_tier",
            "eu_ai_act_tier",
            "data_sensitivity",
            "owner",
            "next_review",
        )
        empty_text = "No AI systems match."


class DataSourceTable(RecordTable):
    name = tables.Column(linkify=True)
    system = tables.Column(linkify=True, order_by=("system__name",))
    pii = tables.BooleanColumn(verbose_name="PII", yesno="Yes,No")

    class Meta:
        model = DataSource
        fields = ("name", "system", "kind", "location", "pii", "retention_days", "licence")
        empty_text = "No data sources match."


class ModelVersionTable(RecordTable):
    label = tables.Column(linkify=True)
    system = tables.Column(linkify=True, order_by=("system__name",))

    class Meta:
        model = ModelVersion
        fields = ("label", "system", "base_model", "data_snapshot", "deployed_at", "superseded_at")
        empty_text = "No model versions match."


class IncidentTable(RecordTable):
    title = tables.Column(linkify=True)
    system = tables.Column(linkify=True, order_by=("system__name",))
    severity = BadgeColumn(TIER_TONES)
    status = BadgeColumn(STATUS_TONES)

    class Meta:
        model = Incident
        fields = ("title", "system", "severity", "status", "detected_at", "detection")
        empty_text = "No incidents match."


class ChangeRequestTable(RecordTable):
    id = tables.Column(verbose_name="Request", linkify=True)
    system = tables.Column(linkify=True, order_by=("system__name",))
    status = BadgeColumn(STATUS_TONES)
    policy_passed = tables.BooleanColumn(verbose_name="Policy check", yesno="Passed,Failed")
    requested_by = tables.Column(order_by=("requested_by__username",))

    class Meta:
        model = ChangeRequest
        fields = (
            "id",
            "system",
            "kind",
            "target_stage",
            "new_value",
            "status",
            "policy_passed",
            "requested_by",
            "created_at",
        )
        empty_text = "No change requests match."

    def render_id(self, value):
        return f"CR-{value}"

    def value_id(self, value):
        return f"CR-{value}"


class RegistryPolicyTable(RecordTable):
    title = tables.Column(linkify=True)

    class Meta:
        model = RegistryPolicy
        fields = ("name", "title", "enabled", "updated_at")
        empty_text = "No policies match."
