from rest_framework.decorators import action
from rest_framework.response import Response

from aims_portal.api import RecordViewSet, StepSerializer

from .. import services
from ..filters import AssessmentFilterSet, RiskFilterSet
from ..records import assessments, risks, scoring_methods
from ..selectors import scoring_method
from .serializers import (
    AssessmentSerializer,
    RiskSerializer,
    ScoringMethodSerializer,
)


class AssessmentViewSet(RecordViewSet):
    record_type = assessments
    queryset = assessments.queryset().prefetch_related("impacts")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet
    search_fields = AssessmentFilterSet.search_fields
    ordering_fields = ["reference", "revision", "status", "next_review", "updated_at"]
    matrix_actions = {**RecordViewSet.matrix_actions, "revise": "view"}  # the service checks

    @action(detail=True, methods=["post"], serializer_class=StepSerializer)
    def revise(self, request, pk=None):
        """Start a new draft revision of an approved assessment."""
        body = StepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.assessment_revise(
            self.get_object(), actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(AssessmentSerializer(new, context=self.get_serializer_context()).data)

    def get_serializer_class(self):
        if self.action == "revise":
            return AssessmentSerializer
        return super().get_serializer_class()


class RiskViewSet(RecordViewSet):
    record_type = risks
    queryset = risks.queryset().prefetch_related("systems")
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    search_fields = RiskFilterSet.search_fields
    ordering_fields = ["reference", "inherent_score", "residual_score", "review_date", "status"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scoring_method": scoring_method()}


class ScoringMethodViewSet(RecordViewSet):
    record_type = scoring_methods
    queryset = scoring_methods.queryset()
    serializer_class = ScoringMethodSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]
