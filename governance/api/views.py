"""Management-system API: the same services as the pages, so the same rules."""

from rest_framework.exceptions import PermissionDenied

from aims_portal.api import RecordViewSet

from .. import selectors, services
from ..filters import (
    CommunicationFilterSet,
    CompetenceFilterSet,
    ContextIssueFilterSet,
    InterestedPartyFilterSet,
    MeasurementFilterSet,
    ObjectiveFilterSet,
    PolicyAcknowledgementFilterSet,
    RaciAssignmentFilterSet,
    ScopeStatementFilterSet,
    TrainingRecordFilterSet,
)
from ..models import Measurement
from ..records import (
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
from .serializers import (
    CommunicationSerializer,
    CompetenceSerializer,
    ContextIssueSerializer,
    InterestedPartySerializer,
    MeasurementSerializer,
    ObjectiveSerializer,
    PolicyAcknowledgementSerializer,
    RaciAssignmentSerializer,
    ScopeStatementSerializer,
    TrainingRecordSerializer,
)


class ContextIssueViewSet(RecordViewSet):
    record_type = issues
    queryset = issues.queryset()
    serializer_class = ContextIssueSerializer
    filterset_class = ContextIssueFilterSet
    ordering_fields = ["reference", "title", "review_date"]
    ordering = ["reference"]


class InterestedPartyViewSet(RecordViewSet):
    record_type = parties
    queryset = parties.queryset()
    serializer_class = InterestedPartySerializer
    filterset_class = InterestedPartyFilterSet
    ordering_fields = ["reference", "name"]
    ordering = ["reference"]


class ScopeStatementViewSet(RecordViewSet):
    """Scope statements; ``POST …/{id}/step/{submit|approve|return|revise}/`` takes the
    workflow's steps (four-eyes approval)."""

    record_type = scopes
    queryset = scopes.queryset().prefetch_related("systems_in", "systems_out", "suppliers")
    serializer_class = ScopeStatementSerializer
    filterset_class = ScopeStatementFilterSet
    ordering_fields = ["approved_at", "scope_version"]
    ordering = ["-pk"]


class PolicyAcknowledgementViewSet(RecordViewSet):
    """Acknowledgements of the AI policy. POST ``{"document": id}`` records that the caller
    read that approved policy's current version; staff acknowledge for themselves only."""

    record_type = acknowledgements
    queryset = acknowledgements.queryset()
    serializer_class = PolicyAcknowledgementSerializer
    filterset_class = PolicyAcknowledgementFilterSet
    http_method_names = ["get", "post", "head", "options"]
    # Every reader may acknowledge for themselves (the service checks they are staff).
    matrix_actions = {"create": "view", "retire": "delete"}
    ordering_fields = ["acknowledged_at"]
    ordering = ["-acknowledged_at"]

    def create(self, request, *args, **kwargs):
        # Who may acknowledge comes before what they sent.
        if not selectors.is_staff_member(request.user):
            raise PermissionDenied("Only staff of the organisation acknowledge its AI policy.")
        return super().create(request, *args, **kwargs)


class RaciAssignmentViewSet(RecordViewSet):
    record_type = raci
    queryset = raci.queryset()
    serializer_class = RaciAssignmentSerializer
    filterset_class = RaciAssignmentFilterSet
    ordering_fields = ["process", "activity", "role"]
    ordering = ["process", "activity"]


class ObjectiveViewSet(RecordViewSet):
    record_type = objectives
    queryset = selectors.objectives()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    ordering_fields = ["reference", "due_date"]
    ordering = ["reference"]


class MeasurementViewSet(RecordViewSet):
    """Readings of objectives; one sent here is recorded as coming from the API."""

    record_type = measurements
    queryset = measurements.queryset()
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilterSet
    ordering_fields = ["measured_on", "value"]
    ordering = ["-measured_on"]

    def perform_create(self, serializer):
        serializer.instance = services.measurement_create(
            actor=self.request.user, data=serializer.record_data(), source=Measurement.Source.API
        )


class CompetenceViewSet(RecordViewSet):
    record_type = competences
    queryset = competences.queryset()
    serializer_class = CompetenceSerializer
    filterset_class = CompetenceFilterSet
    ordering_fields = ["reference", "name"]
    ordering = ["reference"]


class TrainingRecordViewSet(RecordViewSet):
    record_type = training
    queryset = training.queryset()
    serializer_class = TrainingRecordSerializer
    filterset_class = TrainingRecordFilterSet
    ordering_fields = ["completed_on", "expires_on"]
    ordering = ["-completed_on"]


class CommunicationViewSet(RecordViewSet):
    record_type = communications
    queryset = communications.queryset()
    serializer_class = CommunicationSerializer
    filterset_class = CommunicationFilterSet
    ordering_fields = ["next_due", "topic"]
    ordering = ["next_due"]
