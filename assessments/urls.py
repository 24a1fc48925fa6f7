from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api.views import AssessmentViewSet, RiskViewSet, ScoringMethodViewSet
from .records import assessments, risks, scoring_methods

app_name = "assessments"

# Custom pages come first: they take over the generic list/create/edit of the same names.
urlpatterns = [
    path("risks/", views.RiskListView.as_view(record_type=risks), name="risk-list"),
    path(
        "impact/new/",
        views.AssessmentFormView.as_view(record_type=assessments),
        name="assessment-create",
    ),
    path(
        "impact/<int:pk>/edit/",
        views.AssessmentFormView.as_view(record_type=assessments),
        name="assessment-edit",
    ),
    path("impact/<int:pk>/document/", views.assessment_document, name="assessment-document"),
    path("impact/documents/<int:pk>/", views.export_detail, name="export-detail"),
    path("impact/documents/<int:pk>/download/", views.export_download, name="export-download"),
    path("impact/documents/<int:pk>/retry/", views.export_retry, name="export-retry"),
    path("impact/<int:pk>/revise/", views.assessment_revise, name="assessment-revise"),
    *assessments.urls(),
    *risks.urls(),
    *scoring_methods.urls(),
]

api_router = SimpleRouter()
api_router.register("assessments/impact", AssessmentViewSet, basename="impactassessment")
api_router.register("assessments/risks", RiskViewSet, basename="risk")
api_router.register("assessments/scoring-method", ScoringMethodViewSet, basename="scoringmethod")
