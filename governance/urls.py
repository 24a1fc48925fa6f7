from rest_framework.routers import SimpleRouter

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
