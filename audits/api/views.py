"""Audits API: the same services as the pages, so the same rules (independence, four-eyes
effectiveness checks, upload limits, frozen reviews)."""

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from aims_portal import jobs, roles
from aims_portal.api import RecordViewSet
from aims_portal.api_input import PortalJSONParser
from aims_portal.permissions import MatrixPermission

from .. import services
from ..filters import (
    AuditFilterSet,
    CertificateFilterSet,
    CertificationAuditFilterSet,
    CertificationBodyFilterSet,
    ChecklistLineFilterSet,
    CorrectiveActionFilterSet,
    EvidenceFilterSet,
    FindingFilterSet,
    ManagementReviewFilterSet,
    ProgrammeFilterSet,
)
from ..models import ReportExport
from ..records import (
    actions,
    audits,
    certificates,
    certification_audits,
    certification_bodies,
    checklist_lines,
    evidence,
    findings,
    programmes,
    reviews,
)
from .serializers import (
    AuditSerializer,
    CertificateSerializer,
    CertificationAuditSerializer,
    CertificationBodySerializer,
    ChecklistLineSerializer,
    CorrectiveActionSerializer,
    EvidenceSerializer,
    FindingSerializer,
    ManagementReviewSerializer,
    ProgrammeSerializer,
    ReportExportSerializer,
)


class ProgrammeViewSet(RecordViewSet):
    record_type = programmes
    queryset = programmes.queryset()
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    ordering_fields = ["year"]


class AuditViewSet(RecordViewSet):
    """Steps: start, complete, cancel."""

    record_type = audits
    queryset = audits.queryset().prefetch_related("systems", "requirements", "controls", "auditors")
    serializer_class = AuditSerializer
    filterset_class = AuditFilterSet
    ordering_fields = ["reference", "planned_start", "status"]


class ChecklistLineViewSet(RecordViewSet):
    """Lines come from the audit criteria: read them, and record results with PUT/PATCH."""

    record_type = checklist_lines
    queryset = checklist_lines.queryset()
    serializer_class = ChecklistLineSerializer
    filterset_class = ChecklistLineFilterSet
    http_method_names = ["get", "put", "patch", "head", "options"]
    ordering_fields = ["sort_key", "result"]
    ordering = ["audit", "sort_key"]


class FindingViewSet(RecordViewSet):
    """POST raises a finding from a checklist line. Steps: close, reopen."""

    record_type = findings
    queryset = findings.queryset()
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    ordering_fields = ["reference", "kind", "status"]


class CorrectiveActionViewSet(RecordViewSet):
    """Steps: start, implement, verify, not_effective (the effectiveness check, by someone
    other than the owner; ``reason`` says what was checked), close."""

    record_type = actions
    queryset = actions.queryset()
    serializer_class = CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilterSet
    ordering_fields = ["reference", "due_date", "status"]


class ManagementReviewViewSet(RecordViewSet):
    """Step: complete (freezes the figures of the day into ``figures``)."""

    record_type = reviews
    queryset = reviews.queryset().prefetch_related("attendees")
    serializer_class = ManagementReviewSerializer
    filterset_class = ManagementReviewFilterSet
    ordering_fields = ["reference", "meeting_date"]


class EvidenceViewSet(RecordViewSet):
    """Create with multipart (``upload``) for a file, or JSON for a link or record pointer."""

    record_type = evidence
    queryset = evidence.queryset()
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    parser_classes = [MultiPartParser, FormParser, PortalJSONParser]
    ordering_fields = ["created_at", "title"]


REPORT_FILE = {
    (200, media_type): OpenApiTypes.BINARY
    for media_type in (
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
}


class ReportExportViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Request an audit report or review minutes (PDF or Word), poll it, download it, and
    try a failed one again. Rendering is a background job: the request answers at once; a
    request the task queue cannot take answers 503 and leaves the job failed."""

    permission_classes = [MatrixPermission]
    serializer_class = ReportExportSerializer
    queryset = ReportExport.objects.select_related("audit", "review")
    matrix_actions = {
        "create": "export",
        "retrieve": "export",
        "download": "export",
        "retry": "export",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if not roles.can(self.request.user, "approve", "audits"):
            queryset = queryset.filter(requested_by=self.request.user)
        return queryset

    def get_object(self):
        return jobs.reap_overdue(super().get_object())

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.report_request(
            actor=self.request.user,
            source=data.get("audit") or data.get("review"),
            fmt=data["format"],
        )

    @extend_schema(request=None, responses={201: ReportExportSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Request a failed report again: a new job for the same record and format."""
        job = services.report_retry(self.get_object(), actor=request.user)
        body = ReportExportSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses=REPORT_FILE)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status != ReportExport.Status.DONE or not job.file:
            raise Http404("This report is not ready.")
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.file.name.split("/")[-1]
        )


class CertificationBodyViewSet(RecordViewSet):
    record_type = certification_bodies
    queryset = certification_bodies.queryset()
    serializer_class = CertificationBodySerializer
    filterset_class = CertificationBodyFilterSet
    ordering_fields = ["name"]
    ordering = ["name"]


class CertificationAuditViewSet(RecordViewSet):
    """The certification body's audits; their findings are raised through
    /audits/findings/ with ``certification_audit`` and a ``requirement`` or ``control``."""

    record_type = certification_audits
    queryset = certification_audits.queryset()
    serializer_class = CertificationAuditSerializer
    filterset_class = CertificationAuditFilterSet
    ordering_fields = ["planned_start", "reference", "kind"]
    ordering = ["planned_start"]


class CertificateViewSet(RecordViewSet):
    record_type = certificates
    queryset = certificates.queryset()
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet
    ordering_fields = ["issued_on", "expires_on", "number"]
    ordering = ["-issued_on"]
