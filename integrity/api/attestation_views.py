"""Attestation API: register AI outputs (one or a batch) with a system's token, browse them,
and manage the tokens. Thin: integrity/attestations.py holds the rules."""

import json

import django_filters
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from aims_portal.api import MatrixPermission
from aims_portal.api_input import AttestationPagination, PortalJSONParser
from aims_portal.auth_backends import PortalTokenAuthentication
from aims_portal.records.joins import names_only
from aims_portal.scopes import restrict

from .. import attestation_selectors as selectors
from .. import attestations as services
from ..models import Attestation, AttestationToken
from ..receipts import NotCoveredYet
from .attestation_auth import AttestationTokenAuthentication, HasAttestationToken
from .attestation_serializers import (
    AttestationBatchInSerializer,
    AttestationInSerializer,
    AttestationSerializer,
    AttestationTokenCreatedSerializer,
    AttestationTokenCreateSerializer,
    AttestationTokenSerializer,
    BatchRegisteredSerializer,
    NotCoveredSerializer,
    ProofSerializer,
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
    422: OpenApiResponse(
        description="The Idempotency-Key was used before with a different request"
    ),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID): a retry with the same key and body returns the "
    "first answer (with Idempotent-Replayed: true) and registers nothing again.",
)


class Sha256Filter(django_filters.CharFilter):
    """An exact SHA-256 (64 hex digits, either case): stored hashes are lower-case."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if not services.SHA256.fullmatch(value):
            raise ValidationError({self.field_name: "Give a SHA-256 digest: 64 hex digits."})
        return qs.filter(**{self.field_name: value.lower()})


class AttestationFilterSet(django_filters.FilterSet):
    system = django_filters.CharFilter(field_name="system__slug", help_text="AI system ID")
    model_version = django_filters.NumberFilter(field_name="model_version_id")
    decision = django_filters.ChoiceFilter(choices=Attestation.Decision.choices)
    output_sha256 = Sha256Filter(help_text="SHA-256 of the output (64 hex digits)")
    input_sha256 = Sha256Filter(help_text="SHA-256 of the input (64 hex digits)")

    class Meta:
        model = Attestation
        fields = ["system", "model_version", "decision", "output_sha256", "input_sha256"]


def _registered_json(done) -> list[str]:
    """Each registered attestation as the JSON text of {id, sequence, entry_hash,
    recorded_at, receipt}. The receipt is embedded as the text that was built to sign it
    (SignedReceipt.json): a batch of 1,000 receipts is not encoded a second time."""
    times, texts = {}, []
    for item in done:
        attestation, receipt = item.attestation, item.receipt
        when = times.get(attestation.recorded_at)
        if when is None:
            when = times[attestation.recorded_at] = _encode(attestation.recorded_at)
        receipt_json = receipt.json.decode() if hasattr(receipt, "json") else _encode(receipt)
        texts.append(
            f'{{"id":{int(attestation.pk)},"sequence":{int(item.sequence)},'
            f'"entry_hash":{_encode(item.entry_hash)},"recorded_at":{when},'
            f'"receipt":{receipt_json}}}'
        )
    return texts


def _encode(data):
    """JSON text as DRF's JSON renderer renders it (compact, UTF-8)."""
    return json.dumps(
        data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def _as_json(text):
    """The answer as sent, and as a retry replays it: U+2028/U+2029 escaped, as DRF's
    renderer does, so that the text is also valid JavaScript."""
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json_response(text, status_code):
    return HttpResponse(text.encode(), status=status_code, content_type="application/json")


def _register(request, register):
    """Run ``register()`` -> (status, answer), once per Idempotency-Key when one is sent."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        status_code, answer = register()
        return _json_response(answer, status_code)
    try:
        services.idempotency_key_check(key)
    except ValidationError as error:
        return Response(
            {"detail": error.messages[0], "errors": []}, status=status.HTTP_400_BAD_REQUEST
        )
    fingerprint = services.request_fingerprint(request.path, request.data)
    try:
        status_code, answer, replayed = services.attestations_register_once(
            token=request.auth, key=key, request_hash=fingerprint, register=register
        )
    except services.IdempotencyConflict as error:
        return Response(
            {"detail": str(error), "errors": []}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
        )
    response = _json_response(answer, status_code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


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
        # Gateways (an attestation token, no user) only write; people read within their scope.
        if not self.request.user.is_authenticated:
            return selectors.attestations_as_listed()
        return restrict(selectors.attestations_as_listed(), self.request.user, "view")

    def get_permissions(self):
        if self.action in ("create", "batch"):
            return [HasAttestationToken()]
        if self.action == "proof":
            return [(HasAttestationToken | MatrixPermission)()]
        return [MatrixPermission()]

    @extend_schema(
        summary="Register one AI output; the answer carries its signed receipt",
        auth=GATEWAY_AUTH,
        request=AttestationInSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: RegisteredSerializer, **REFUSED},
    )
    def create(self, request):
        def register():
            item = services.attestation_register(token=request.auth, data=request.data)
            return status.HTTP_201_CREATED, _as_json(_registered_json([item])[0])

        try:
            return _register(request, register)
        except services.AttestationsRejected as error:
            return _rejected(error)

    @extend_schema(
        summary="Register up to 1,000 AI outputs, all or none, each with its signed receipt",
        auth=GATEWAY_AUTH,
        request=AttestationBatchInSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: BatchRegisteredSerializer, **REFUSED},
    )
    @action(detail=False, methods=["post"], max_body_bytes=services.MAX_BATCH_BODY_BYTES)
    def batch(self, request):
        items = request.data.get("attestations") if isinstance(request.data, dict) else None

        def register():
            done = services.attestations_register(token=request.auth, items=items)
            listed = ",".join(_registered_json(done))
            answer = f'{{"count":{len(done)},"attestations":[{listed}]}}'
            return status.HTTP_201_CREATED, _as_json(answer)

        try:
            return _register(request, register)
        except services.AttestationsRejected as error:
            return _rejected(error)

    @extend_schema(
        summary="Inclusion proof of the attestation in the first checkpoint that covers it",
        auth=[*USER_AUTH, *GATEWAY_AUTH],
        responses={
            200: ProofSerializer,
            404: OpenApiResponse(description="No such attestation (or another system's)"),
            409: OpenApiResponse(NotCoveredSerializer, "No signed checkpoint covers it yet"),
        },
    )
    @action(detail=True, methods=["get"])
    def proof(self, request, pk=None):
        attestation = self.get_object()
        token = request.auth if isinstance(request.auth, AttestationToken) else None
        if token is not None and attestation.system_id != token.system_id:
            raise Http404("No attestation of this token's system has this id.")
        try:
            proof = services.attestation_proof(attestation)
        except NotCoveredYet as waiting:
            response = Response(
                {"detail": str(waiting), **waiting.details}, status=status.HTTP_409_CONFLICT
            )
            response["Retry-After"] = str(waiting.details["retry_after"])
            return response
        if proof is None:
            raise Http404("No ledger entry covers this attestation: run a verification.")
        return Response(proof)


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

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve"):
            # The answer shows the system's slug and the people's names: the rest of
            # those rows is not read.
            queryset = names_only(queryset, ("system__slug",))
        return queryset

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
