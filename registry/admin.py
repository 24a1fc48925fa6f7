"""The admin shows registry records and their history but cannot change them: every write
goes through the services (the production gate among them)."""

from django.contrib import admin

from aims_portal.admin import ReadOnlyRecordAdmin

from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyRecordAdmin):
    list_display = ("name", "due_diligence_status", "owner", "next_review", "retired_at")
    search_fields = ("name",)


@admin.register(AISystem)
class AISystemAdmin(ReadOnlyRecordAdmin):
    list_display = ("slug", "name", "stage", "risk_tier", "owner")
    search_fields = ("slug", "name")


@admin.register(DataSource)
class DataSourceAdmin(ReadOnlyRecordAdmin):
    list_display = ("name", "system", "kind", "pii", "retired_at")
    search_fields = ("name", "system__slug")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyRecordAdmin):
    list_display = ("label", "system", "base_model", "deployed_at", "superseded_at")
    search_fields = ("label", "system__slug")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyRecordAdmin):
    list_display = ("title", "system", "severity", "status", "detected_at")
    search_fields = ("title", "system__slug")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyRecordAdmin):
    list_display = ("pk", "system", "kind", "target_stage", "status", "policy_passed")
    search_fields = ("system__slug",)


@admin.register(RegistryPolicy)
class RegistryPolicyAdmin(ReadOnlyRecordAdmin):
    list_display = ("name", "title", "enabled", "retired_at")
    search_fields = ("name", "title")
