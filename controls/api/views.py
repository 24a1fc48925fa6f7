"""Controls API: the same services as the pages, so the same rules."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from aims_portal import jobs, roles
from aims_portal.api import RecordViewSet
from aims_portal.params import int_param
from aims_portal.permissions import MatrixPermission

from .. import selectors, services
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
    ControlsStepSerializer,
    DocumentExportSerializer,
    RequirementSerializer,
    SoADocumentSerializer,
    SoAEntrySerializer,
    SoARevisionSerializer,
    SoARevisionSummarySerializer,
    SoASerializer,
)


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

    matrix_actions = {
        "submit": "change",
        "approve": "approve",
        "return_": "approve",
        "reopen": "change",
    }

    def _step(self, request, name):
        body = ControlsStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        soa = services.soa_transition(
            self.get_object(),
            name,
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
            expected_version=body.validated_data.get("version"),
        )
        return Response(SoASerializer(soa).data)

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def submit(self, request, pk=None):
        return self._step(request, "submit")

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def approve(self, request, pk=None):
        return self._step(request, "approve")

    @action(
        detail=True, methods=["post"], url_path="return", serializer_class=ControlsStepSerializer
    )
    def return_(self, request, pk=None):
        return self._step(request, "return")

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def reopen(self, request, pk=None):
        return self._step(request, "reopen")


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
        "submit": "change",
        "approve": "approve",
        "return_": "approve",
        "revise": "change",
    }

    def _step(self, request, name):
        body = ControlsStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = services.document_transition(
            self.get_object(),
            name,
            actor=request.user,
            reason=body.validated_data.get("reason", ""),
            expected_version=body.validated_data.get("version"),
        )
        return Response(
            ControlledDocumentSerializer(document, context=self.get_serializer_context()).data
        )

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def submit(self, request, pk=None):
        return self._step(request, "submit")

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def approve(self, request, pk=None):
        return self._step(request, "approve")

    @action(
        detail=True, methods=["post"], url_path="return", serializer_class=ControlsStepSerializer
    )
    def return_(self, request, pk=None):
        return self._step(request, "return")

    @action(detail=True, methods=["post"], serializer_class=ControlsStepSerializer)
    def revise(self, request, pk=None):
        return self._step(request, "revise")

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
