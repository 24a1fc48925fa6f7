"""The admin shows registry records and their history but cannot change them: every write
goes through the services (the production gate among them). Teams are the exception: like
users and groups, administrators keep them here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from aims_portal.admin import ReadOnlyRecordAdmin
from aims_portal.services import tracked_save

from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    RegistrySync,
    SignOff,
    Supplier,
    Team,
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


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name", "lead", "contact")
    search_fields = ("slug", "name")
    filter_horizontal = ("members",)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        reason = "Changed in the admin" if change else "Created in the admin"
        tracked_save(obj, request.user, reason)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyRecordAdmin):
    list_display = ("system", "responsibility", "signed_by", "signed_at", "system_version")
    search_fields = ("system__slug", "signed_by__username")


@admin.register(RegistrySync)
class RegistrySyncAdmin(admin.ModelAdmin):
    list_display = ("started_at", "repo", "ref", "commit", "status", "requested_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
