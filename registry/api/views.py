import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aims_portal.api import MatrixPermission, RecordViewSet
from aims_portal.scopes import restrict

from .. import golive, policy, selectors, yaml_io
from ..filters import (
    AISystemFilterSet,
    ChangeRequestFilterSet,
    DataSourceFilterSet,
    IncidentFilterSet,
    ModelVersionFilterSet,
    RegistryPolicyFilterSet,
    SupplierFilterSet,
)
from ..records import (
    ai_systems,
    change_requests,
    data_sources,
    incidents,
    model_versions,
    policies,
    suppliers,
)
from ..services import imports
from .serializers import (
    AISystemSerializer,
    ChangeRequestSerializer,
    DataSourceSerializer,
    DenialSerializer,
    IncidentSerializer,
    ModelVersionSerializer,
    OverrideSerializer,
    RegistryPolicySerializer,
    SignOffRequestSerializer,
    SignOffSerializer,
    SupplierSerializer,
    YAMLFilesSerializer,
)


class SupplierViewSet(RecordViewSet):
    record_type = suppliers
    queryset = suppliers.queryset()
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilterSet
    search_fields = SupplierFilterSet.search_fields
    ordering_fields = ["name", "due_diligence_status", "next_review", "updated_at"]


class AISystemViewSet(RecordViewSet):
    record_type = ai_systems
    queryset = ai_systems.queryset()
    serializer_class = AISystemSerializer
    filterset_class = AISystemFilterSet
    search_fields = AISystemFilterSet.search_fields
    ordering_fields = ["name", "slug", "risk_tier", "stage", "next_review", "updated_at"]
    matrix_actions = {
        "retire": "delete",
        "denials": "view",
        "yaml": "export",
        "sign_off": "view",  # the service checks the responsibility
    }

    @extend_schema(request=SignOffRequestSerializer, responses={201: SignOffSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """Record the caller's DPO or security-officer sign-off of the system's current
        version (the same rule as the system page: only holders of that responsibility,
        never the system's owner)."""
        system = self.get_object()
        golive.require_sign_off_holder(request.user)
        body = SignOffRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sign_off = golive.sign_off_record(
            system,
            body.validated_data["responsibility"],
            actor=request.user,
            note=body.validated_data.get("note", ""),
        )
        return Response(SignOffSerializer(sign_off).data, status=201)

    @extend_schema(responses=DenialSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list, not a page
    def denials(self, request, pk=None):
        """The registry-policy denials of the system as recorded now (empty: it passes)."""
        return Response([d.as_dict() for d in selectors.system_denials(self.get_object())])

    @extend_schema(
        responses=inline_serializer(
            "SystemYAML", {"file": serializers.CharField(), "yaml": serializers.CharField()}
        )
    )
    @action(detail=True, methods=["get"])
    def yaml(self, request, pk=None):
        """The system as a model-registry YAML file."""
        name, text = imports.export_one(self.get_object())
        return Response({"file": name, "yaml": text})


class DataSourceViewSet(RecordViewSet):
    record_type = data_sources
    queryset = data_sources.queryset()
    serializer_class = DataSourceSerializer
    filterset_class = DataSourceFilterSet
    search_fields = DataSourceFilterSet.search_fields
    ordering_fields = ["name", "kind", "updated_at"]


class ModelVersionViewSet(RecordViewSet):
    record_type = model_versions
    queryset = model_versions.queryset()
    serializer_class = ModelVersionSerializer
    filterset_class = ModelVersionFilterSet
    search_fields = ModelVersionFilterSet.search_fields
    ordering_fields = ["deployed_at", "label", "updated_at"]


class IncidentViewSet(RecordViewSet):
    record_type = incidents
    queryset = incidents.queryset()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    search_fields = IncidentFilterSet.search_fields
    ordering_fields = ["detected_at", "severity", "status", "updated_at"]


class ChangeRequestViewSet(RecordViewSet):
    """Lifecycle change requests; approve, reject and withdraw are steps:
    POST …/{id}/step/approve/ (four-eyes: not by the requester)."""

    record_type = change_requests
    queryset = change_requests.queryset()
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    search_fields = ChangeRequestFilterSet.search_fields
    ordering_fields = ["created_at", "status", "updated_at"]
    # The services check who may: owners, leads and approvers re-check; approvers override.
    matrix_actions = {**RecordViewSet.matrix_actions, "recheck": "view", "override": "view"}

    def _answer(self, change):
        return Response(ChangeRequestSerializer(change, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """Run the registry check again, in place, on a request awaiting approval."""
        return self._answer(golive.change_request_recheck(self.get_object(), actor=request.user))

    @extend_schema(request=OverrideSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        """An approver allows this stage change to skip a stage, with a recorded
        justification (four-eyes: not the requester)."""
        # The service checks who may before what was sent, so others are refused (403)
        # whatever the body; it also checks the justification's length.
        sent = request.data.get("justification", "") if hasattr(request.data, "get") else ""
        change = golive.change_request_override(
            self.get_object(),
            actor=request.user,
            justification=sent if isinstance(sent, str) else "",
        )
        return self._answer(change)


class RegistryPolicyViewSet(RecordViewSet):
    record_type = policies
    queryset = policies.queryset()
    serializer_class = RegistryPolicySerializer
    filterset_class = RegistryPolicyFilterSet
    search_fields = RegistryPolicyFilterSet.search_fields
    ordering_fields = ["name", "updated_at"]


def _write(folder, files):
    paths = []
    for name, text in files.items():
        path = Path(folder) / Path(name).name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


class YAMLViewSet(viewsets.ViewSet):
    """Model-registry YAML: validate against the policies, import (all or nothing), export."""

    permission_classes = [MatrixPermission]
    area = "inventory"
    matrix_actions = {"validate": "view", "import_files": "create", "export": "export"}

    @extend_schema(request=YAMLFilesSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def validate(self, request):
        """Problems and policy denials per file; ``ok`` is false when there is any."""
        body = YAMLFilesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with tempfile.TemporaryDirectory() as folder:
            files, problems = yaml_io.read_files(_write(folder, body.validated_data["files"]))
        rules = policy.policy_set()
        denials = [
            {"file": f.name, **d.as_dict()} for f in files for d in rules.evaluate(f.policy_input)
        ]
        return Response(
            {"ok": not problems and not denials, "problems": problems, "denials": denials}
        )

    @extend_schema(request=YAMLFilesSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="import")
    def import_files(self, request):
        body = YAMLFilesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with tempfile.TemporaryDirectory() as folder:
            try:
                result = imports.import_files(
                    _write(folder, body.validated_data["files"]), actor=request.user
                )
            except ValidationError as error:
                return Response({"problems": error.messages}, status=400)
        return Response(
            {
                "created": [s.slug for s in result.created],
                "updated": [s.slug for s in result.updated],
                "unchanged": [s.slug for s in result.unchanged],
                "change_requests": [c.pk for c in result.change_requests],
            }
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Every system as {file name: YAML text}."""
        systems = restrict(ai_systems.model.objects.all(), request.user, "export")
        return Response({"files": dict(imports.export_all(systems))})
