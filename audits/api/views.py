"""Audits API: the same services as the pages, so the same rules (independence, four-eyes
effectiveness checks, upload limits, frozen reviews)."""

from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from aims_portal.api import RecordViewSet
from aims_portal.api_input import PortalJSONParser

from .. import services
from ..filters import (
    AuditFilterSet,
    ChecklistLineFilterSet,
    CorrectiveActionFilterSet,
    EvidenceFilterSet,
    FindingFilterSet,
    ManagementReviewFilterSet,
    ProgrammeFilterSet,
)
from ..records import actions, audits, checklist_lines, evidence, findings, programmes, reviews
from .serializers import (
    AuditSerializer,
    AuditsStepSerializer,
    ChecklistLineSerializer,
    CorrectiveActionSerializer,
    EvidenceSerializer,
    FindingSerializer,
    ManagementReviewSerializer,
    ProgrammeSerializer,
)

STEP_PATH = r"step/(?P<step>[a-z_]+)"


class StepsMixin:
    """POST …/{id}/step/{name}/ takes a workflow step through the service, which checks the
    role, four-eyes and preconditions (the matrix check here is only "view")."""

    matrix_actions = {"retire": "delete", "step": "view"}
    transition = None

    @action(
        detail=True, methods=["post"], url_path=STEP_PATH, serializer_class=AuditsStepSerializer
    )
    def step(self, request, pk=None, step=None):
        """Take a workflow step; send ``reason`` (required by some steps) and ``version``."""
        body = AuditsStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = type(self).transition(
            self.get_object(),
            step,
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
            expected_version=body.validated_data.get("version"),
        )
        # The class's record serializer: the action set the instance's to the step body.
        serializer = type(self).serializer_class(record, context=self.get_serializer_context())
        return Response(serializer.data)


class ProgrammeViewSet(RecordViewSet):
    record_type = programmes
    queryset = programmes.queryset()
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering_fields = ["year"]


class AuditViewSet(StepsMixin, RecordViewSet):
    """Steps: start, complete, cancel."""

    record_type = audits
    queryset = audits.queryset().prefetch_related("systems", "requirements", "controls", "auditors")
    serializer_class = AuditSerializer
    filterset_class = AuditFilterSet
    ordering_fields = ["reference", "planned_start", "status"]
    transition = staticmethod(services.audit_transition)


class ChecklistLineViewSet(RecordViewSet):
    """Lines come from the audit criteria: read them, and record results with PUT/PATCH."""

    record_type = checklist_lines
    queryset = checklist_lines.queryset()
    serializer_class = ChecklistLineSerializer
    filterset_class = ChecklistLineFilterSet
    http_method_names = ["get", "put", "patch", "head", "options"]
    ordering_fields = ["sort_key", "result"]
    ordering = ["audit", "sort_key"]


class FindingViewSet(StepsMixin, RecordViewSet):
    """POST raises a finding from a checklist line. Steps: close, reopen."""

    record_type = findings
    queryset = findings.queryset()
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["reference", "kind", "status"]
    transition = staticmethod(services.finding_transition)


class CorrectiveActionViewSet(StepsMixin, RecordViewSet):
    """Steps: start, implement, verify, not_effective (the effectiveness check, by someone
    other than the owner; ``reason`` says what was checked), close."""

    record_type = actions
    queryset = actions.queryset()
    serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilterSet
    ordering_fields = ["reference", "due_date", "status"]
    transition = staticmethod(services.corrective_action_transition)


class ManagementReviewViewSet(StepsMixin, RecordViewSet):
    """Step: complete (freezes the figures of the day into ``figures``)."""

    record_type = reviews
    queryset = reviews.queryset().prefetch_related("attendees")
    serializer_class = ManagementReviewSerializer
    filterset_class = ManagementReviewFilterSet
    ordering_fields = ["reference", "meeting_date"]
    transition = staticmethod(services.review_transition)


class EvidenceViewSet(RecordViewSet):
    """Create with multipart (``upload``) for a file, or JSON for a link or record pointer."""

    record_type = evidence
    queryset = evidence.queryset()
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    parser_classes = [MultiPartParser, FormParser, PortalJSONParser]
    ordering_fields = ["created_at", "title"]
