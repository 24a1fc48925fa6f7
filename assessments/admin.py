from django.contrib import admin

from aims_portal.admin import ReadOnlyRecordAdmin

from .models import ImpactAssessment, Risk, ScoringMethod


@admin.register(ImpactAssessment)
class ImpactAssessmentAdmin(ReadOnlyRecordAdmin):
    list_display = ("reference", "revision", "system", "status", "approver")
    search_fields = ("reference",)


@admin.register(Risk)
class RiskAdmin(ReadOnlyRecordAdmin):
    list_display = ("reference", "title", "status", "inherent_score", "residual_score", "owner")
    search_fields = ("reference", "title")


@admin.register(ScoringMethod)
class ScoringMethodAdmin(ReadOnlyRecordAdmin):
    list_display = ("name", "matrix_size", "updated_at")
