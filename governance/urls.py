from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import views as api
from .records import (
    acknowledgements,
    communications,
    competences,
    issues,
    measurements,
    objectives,
    parties,
    raci,
    scopes,
    training,
)

app_name = "governance"

urlpatterns = [
    url
    for record in (
        issues,
        parties,
        scopes,
        acknowledgements,
        raci,
        objectives,
        measurements,
        competences,
        training,
        communications,
    )
    for url in record.urls()
]
# The governance PDFs, rendered as background jobs (governance.exports).
urlpatterns += [
    path("documents/export/", views.document_export, name="document-export"),
    path("documents/<int:pk>/", views.document_export_detail, name="document-export-detail"),
    path(
        "documents/<int:pk>/download/",
        views.document_export_download,
        name="document-export-download",
    ),
    path("documents/<int:pk>/retry/", views.document_export_retry, name="document-export-retry"),
]

# API: registered under /api/v1/ by aims_portal/urls.py.
api_router = SimpleRouter()
api_router.register("governance/context-issues", api.ContextIssueViewSet, basename="contextissue")
api_router.register(
    "governance/interested-parties", api.InterestedPartyViewSet, basename="interestedparty"
)
api_router.register("governance/scope", api.ScopeStatementViewSet, basename="scopestatement")
api_router.register(
    "governance/acknowledgements",
    api.PolicyAcknowledgementViewSet,
    basename="policyacknowledgement",
)
api_router.register("governance/raci", api.RaciAssignmentViewSet, basename="raciassignment")
api_router.register("governance/objectives", api.ObjectiveViewSet, basename="objective")
api_router.register("governance/measurements", api.MeasurementViewSet, basename="measurement")
api_router.register("governance/competences", api.CompetenceViewSet, basename="competence")
api_router.register("governance/training", api.TrainingRecordViewSet, basename="trainingrecord")
api_router.register("governance/communications", api.CommunicationViewSet, basename="communication")
