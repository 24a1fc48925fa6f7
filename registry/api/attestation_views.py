"""Attestation API: register AI outputs (one or a batch) with a system's token, browse them,
and manage the tokens. Thin: registry/attestations.py holds the rules."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from aims_portal.api import MatrixPermission
from aims_portal.api_input import AttestationPagination, PortalJSONParser
from aims_portal.auth_backends import PortalTokenAuthentication

from .. import attestation_selectors as selectors
from .. import attestations as services
from ..models import Attestation, AttestationToken
from .attestation_auth import AttestationTokenAuthentication, HasAttestationToken
from .attestation_serializers import (
    AttestationBatchInSerializer,
    AttestationInSerializer,
    AttestationSerializer,
    AttestationTokenCreatedSerializer,
    AttestationTokenCreateSerializer,
    AttestationTokenSerializer,
    BatchRegisteredSerializer,
    RegisteredSerializer,
    RejectedSerializer,
    RevokeSerializer,
)

GATEWAY_AUTH = [{"attestationToken": []}]
USER_AUTH = [{"tokenAuth": []}, {"cookieAuth": []}]
REFUSED = {
    400: OpenApiResponse(RejectedSerializer, "Refused, nothing registered: each problem by index"),
    401: OpenApiResponse(description="No token, or an unknown or revoked token"),
    403: OpenApiResponse(description="Not an attestation token, or an item for another system"),
}


class AttestationFilterSet(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__slug", help_text="AI system ID")
    model_version = django_filters.NumberFilter(field_name="model_version_id")
    decision = django_filters.ChoiceFilter(choices=Attestation.Decision.choices)

    class Meta:
        model = Attestation
        fields = ["system", "model_version", "decision"]


def _registered(item):
    return {
        "id": item.attestation.pk,
        "sequence": item.sequence,
        "entry_hash": item.entry_hash,
        "recorded_at": item.attestation.recorded_at,
    }


def _rejected(error):
    return Response(
        {"detail": f"{error} Nothing was registered.", "errors": error.problems},
        status=status.HTTP_400_BAD_REQUEST,
    )


@extend_schema_view(
    list=extend_schema(
        summary="Attestations, newest first (filter by system, model version)", auth=USER_AUTH
    ),
    retrieve=extend_schema(summary="One attestation with its ledger position", auth=USER_AUTH),
)
class AttestationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attestations of AI outputs. Registering needs the system's attestation token
    (``Authorization: Bearer aims_att_…``); reading needs a user allowed to view the
    inventory. Attestations are never changed or deleted."""

    area = "inventory"
    serializer_class = AttestationSerializer
    authentication_classes = [
        AttestationTokenAuthentication,
        PortalTokenAuthentication,
        SessionAuthentication,
    ]
    parser_classes = [PortalJSONParser]
    # Only the batch action accepts bodies above Django's default limit (see its decorator).
    max_body_bytes = None
    filter_backends = [DjangoFilterBackend]
    filterset_class = AttestationFilterSet
    pagination_class = AttestationPagination  # a gateway's log is walked page after page

    def get_queryset(self):
        return selectors.attestations()

    def get_permissions(self):
        if self.action in ("create", "batch"):
            return [HasAttestationToken()]
        return [MatrixPermission()]

    @extend_schema(
        summary="Register one AI output",
        auth=GATEWAY_AUTH,
        request=AttestationInSerializer,
        responses={201: RegisteredSerializer, **REFUSED},
    )
    def create(self, request):
        try:
            item = services.attestation_register(token=request.auth, data=request.data)
        except services.AttestationsRejected as error:
            return _rejected(error)
        return Response(_registered(item), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Register up to 1,000 AI outputs, all or none",
        auth=GATEWAY_AUTH,
        request=AttestationBatchInSerializer,
        responses={201: BatchRegisteredSerializer, **REFUSED},
    )
    @action(detail=False, methods=["post"], max_body_bytes=services.MAX_BATCH_BODY_BYTES)
    def batch(self, request):
        items = request.data.get("attestations") if isinstance(request.data, dict) else None
        try:
            done = services.attestations_register(token=request.auth, items=items)
        except services.AttestationsRejected as error:
            return _rejected(error)
        return Response(
            {"count": len(done), "attestations": [_registered(item) for item in done]},
            status=status.HTTP_201_CREATED,
        )


class AttestationTokenFilterSet(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__slug", help_text="AI system ID")
    active = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull")

    class Meta:
        model = AttestationToken
        fields = ["system", "active"]


@extend_schema_view(
    list=extend_schema(summary="Attestation tokens (administrators)"),
    retrieve=extend_schema(summary="One attestation token (administrators)"),
)
class AttestationTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Per-system attestation tokens, managed by administrators. The key is returned once,
    by the create call; the portal keeps only its SHA-256."""

    area = "administration"
    matrix_actions = {"revoke": "delete"}
    queryset = AttestationToken.objects.select_related("system", "created_by", "revoked_by")
    serializer_class = AttestationTokenSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AttestationTokenFilterSet

    @extend_schema(
        summary="Create a token for one AI system",
        request=AttestationTokenCreateSerializer,
        responses={201: AttestationTokenCreatedSerializer},
    )
    def create(self, request):
        body = AttestationTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        system = services.system_for_slug(body.validated_data["system"])
        token, key = services.attestation_token_create(
            actor=request.user, system=system, name=body.validated_data["name"]
        )
        token.key = key
        return Response(
            AttestationTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Revoke a token (it stops working at once)",
        request=RevokeSerializer,
        responses={200: AttestationTokenSerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = self.get_object()  # 404 for an unknown or malformed id
        token = services.attestation_token_revoke(
            token, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(AttestationTokenSerializer(token).data)
