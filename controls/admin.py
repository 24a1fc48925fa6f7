from django.contrib import admin

from aims_portal.admin import ReadOnlyRecordAdmin

from .models import Control, ControlledDocument, Requirement, SoAEntry, SoARevision


@admin.register(Control)
class ControlAdmin(ReadOnlyRecordAdmin):
    list_display = ("ref", "title", "group")
    search_fields = ("ref", "title")
    readonly_fields = [f.name for f in Control._meta.fields]


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyRecordAdmin):
    list_display = ("ref", "title", "clause")
    readonly_fields = [f.name for f in Requirement._meta.fields]


@admin.register(SoAEntry)
class SoAEntryAdmin(ReadOnlyRecordAdmin):
    list_display = ("control", "applicability", "implementation_status", "owner")
    list_select_related = ("control", "owner")
    readonly_fields = [f.name for f in SoAEntry._meta.fields]


@admin.register(SoARevision)
class SoARevisionAdmin(ReadOnlyRecordAdmin):
    list_display = ("number", "approved_by", "approved_at")
    readonly_fields = [f.name for f in SoARevision._meta.fields]


@admin.register(ControlledDocument)
class ControlledDocumentAdmin(ReadOnlyRecordAdmin):
    list_display = ("ref", "title", "status", "owner", "review_date")
    readonly_fields = [f.name for f in ControlledDocument._meta.fields]
