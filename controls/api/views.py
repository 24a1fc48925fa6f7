"""Controls API: the same services as the pages, so the same rules."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from aims_portal import jobs, roles
from aims_portal.api import STEP_PARAMETER, RecordViewSet, StepSerializer, WorkflowStepMixin
from aims_portal.params import int_param
from aims_portal.permissions import MatrixPermission

from .. import documented_information, selectors, services
from ..catalogue import soa_document
from ..filters import (
    ControlFilterSet,
    ControlledDocumentFilterSet,
    RequirementFilterSet,
    SoAEntryFilterSet,
)
from ..forms import DocumentFileForm
from ..models import DocumentExport, SoARevision, StatementOfApplicability
from ..records import controls, documents, requirements, soa_entries
from .serializers import (
    ControlledDocumentSerializer,
    ControlSerializer,
    DocumentedInformationSerializer,
    DocumentExportSerializer,
    RequirementSerializer,
    SoADocumentSerializer,
    SoAEntrySerializer,
    SoARevisionSerializer,
    SoARevisionSummarySerializer,
    SoASerializer,
)

# What an export's download answers: the file in the format it was made in.
EXPORT_FILE = {
    (200, media_type): OpenApiTypes.BINARY
    for media_type in (
        "application/pdf",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
}


class ControlViewSet(RecordViewSet):
    record_type = controls
    queryset = controls.queryset().prefetch_related("crosswalks")
    serializer_class = ControlSerializer
    filterset_class = ControlFilterSet
    ordering_fields = ["sort_key", "ref", "title"]
    ordering = ["sort_key"]


class RequirementViewSet(RecordViewSet):
    record_type = requirements
    queryset = requirements.queryset()
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilterSet
    ordering_fields = ["sort_key", "ref"]
    ordering = ["sort_key"]


class SoAEntryViewSet(RecordViewSet):
    record_type = soa_entries
    queryset = selectors.soa_entries()
    serializer_class = SoAEntrySerializer
    filterset_class = SoAEntryFilterSet
    http_method_names = ["get", "put", "patch", "head", "options"]
    ordering_fields = ["control__sort_key", "applicability", "implementation_status"]
    ordering = ["control__sort_key"]


class SoAViewSet(
    WorkflowStepMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The SoA document: its title and scope (PUT/PATCH with ``version`` and
    ``change_reason``) and its workflow: submit, approve (freezes a revision), return."""

    queryset = StatementOfApplicability.objects.all()
    serializer_class = SoASerializer
    permission_classes = [MatrixPermission]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return SoADocumentSerializer
        return SoASerializer

    def perform_update(self, serializer):
        expected = serializer.validated_data.get("version")
        if expected is None:  # a PATCH does not enforce required fields
            raise ValidationError({"version": "Send the version you are updating."})
        serializer.instance = services.soa_document_update(
            serializer.instance,
            actor=self.request.user,
            data=serializer.record_data(),
            expected_version=expected,
            reason=serializer.validated_data.get("change_reason", ""),
        )

    # The workflow checks the role of a step itself.
    matrix_actions = {"step": "view", "named_step": "view"}

    def run_transition(self, record, step, **kwargs):
        return services.soa_transition(record, step, **kwargs)

    @classmethod
    def has_steps(cls) -> bool:
        return True

    @extend_schema(
        request=StepSerializer,
        parameters=[STEP_PARAMETER],
        deprecated=True,
        operation_id="controls_soa_named_step",
    )
    @action(detail=True, methods=["post"], url_path=r"(?P<step>submit|approve|return|reopen)")
    def named_step(self, request, pk=None, step=None):
        """The SoA's steps under their own names (…/{id}/approve/): the same as
        ``…/{id}/step/{name}/``."""
        return self.take_step(request, step)


class SoARevisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Approved revisions; ``compare`` lists the changes between two of them."""

    permission_classes = [MatrixPermission]
    lookup_field = "number"
    filterset_class = None

    def get_queryset(self):
        if self.action == "list":
            return selectors.revisions()
        return SoARevision.objects.filter(soa=soa_document()).select_related(
            "approved_by", "submitted_by"
        )

    queryset = SoARevision.objects.all()

    def get_serializer_class(self):
        return SoARevisionSummarySerializer if self.action == "list" else SoARevisionSerializer

    @action(detail=False, methods=["get"])
    def compare(self, request):
        """``?from=1&to=2``: the changes from revision ``from`` to revision ``to``."""
        older = int_param(request.query_params.get("from"))
        newer = int_param(request.query_params.get("to"))
        if not (older and newer):
            raise ValidationError({"detail": "Give two revision numbers: ?from=1&to=2."}) from None
        base = SoARevision.objects.filter(soa=soa_document())
        a = get_object_or_404(base, number=older)
        b = get_object_or_404(base, number=newer)
        return Response(
            {
                "from": older,
                "to": newer,
                "changes": selectors.revision_changes(a, b),
            }
        )


class DocumentExportViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Request an SoA export (PDF, CSV, XLSX; draft or revision), poll it, download it, and
    try a failed one again. A request the task queue cannot take answers 503 and leaves the
    job failed; a job whose worker died reads as failed once past its deadline."""

    permission_classes = [MatrixPermission]
    serializer_class = DocumentExportSerializer
    queryset = DocumentExport.objects.select_related("revision")
    matrix_actions = {
        "create": "export",
        "retrieve": "export",
        "download": "export",
        "retry": "export",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if not roles.can(self.request.user, "approve", "controls"):
            queryset = queryset.filter(requested_by=self.request.user)
        return queryset

    def get_object(self):
        return jobs.reap_overdue(super().get_object())

    @extend_schema(request=None, responses={201: DocumentExportSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Request a failed export again: a new job with the same format and revision."""
        job = services.export_retry(self.get_object(), actor=request.user)
        body = DocumentExportSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        number = (serializer.validated_data.get("revision") or {}).get("number")
        revision = None
        if number:
            revision = get_object_or_404(SoARevision, soa=soa_document(), number=number)
        serializer.instance = services.export_request(
            actor=self.request.user, fmt=serializer.validated_data["format"], revision=revision
        )

    @extend_schema(responses=EXPORT_FILE)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status != DocumentExport.Status.DONE or not job.file:
            raise Http404("This export is not ready.")
        return FileResponse(
            job.file.open("rb"), as_attachment=True, filename=job.file.name.split("/")[-1]
        )


class ControlledDocumentViewSet(RecordViewSet):
    record_type = documents
    queryset = documents.queryset().prefetch_related("controls")
    serializer_class = ControlledDocumentSerializer
    filterset_class = ControlledDocumentFilterSet
    ordering_fields = ["ref", "title", "review_date", "status"]
    matrix_actions = {
        "attach": "change",
        "download": "view",
        "retire": "delete",
        "step": "view",
        "named_step": "view",
    }

    @extend_schema(
        request=StepSerializer,
        parameters=[STEP_PARAMETER],
        deprecated=True,
        operation_id="controls_documents_named_step",
    )
    @action(detail=True, methods=["post"], url_path=r"(?P<step>submit|approve|return|revise)")
    def named_step(self, request, pk=None, step=None):
        """A document's steps under their own names (…/{id}/approve/): the same as
        ``…/{id}/step/{name}/``."""
        return self.take_step(request, step)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attach(self, request, pk=None):
        """Upload the document's file (multipart: file, version, change_reason)."""
        document = self.get_object()
        form = DocumentFileForm(
            {
                "expected_version": request.data.get("version"),
                "change_reason": request.data.get("change_reason"),
            },
            request.FILES,
        )
        if not form.is_valid():
            raise ValidationError(form.errors)
        document = services.document_attach_file(
            document,
            actor=request.user,
            upload=form.cleaned_data["file"],
            expected_version=form.cleaned_data["expected_version"],
            reason=form.cleaned_data["change_reason"],
        )
        return Response(
            ControlledDocumentSerializer(document, context=self.get_serializer_context()).data
        )

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        if not document.file:
            raise Http404("No file attached.")
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.split("/")[-1],
        )


class DocumentedInformationViewSet(viewsets.ViewSet):
    """The documented-information list a certification needs, with what provides each item
    now (the same computation as the page)."""

    permission_classes = [MatrixPermission]
    area = "controls"
    pagination_class = None

    @extend_schema(responses=DocumentedInformationSerializer(many=True))
    def list(self, request):
        entries = documented_information.entries()
        return Response(DocumentedInformationSerializer(entries, many=True).data)
