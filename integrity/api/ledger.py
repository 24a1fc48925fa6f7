"""The log's published side as an API: checkpoints and Merkle proofs, readable without a login.

They are public on purpose, as a transparency log's are: they hold hashes and signatures
only, and anyone (an auditor, a witness, an AI gateway's operator) must be able to fetch a
checkpoint and prove that a later log extends it without an account on the portal.
"""

import base64

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Checkpoint


class CheckpointSerializer(serializers.ModelSerializer):
    tree_size = serializers.IntegerField(source="sequence")
    tsa_token = serializers.SerializerMethodField(help_text="RFC 3161 token, base64 DER")

    class Meta:
        model = Checkpoint
        fields = ("id", "tree_size", "root_hash", "signed_at", "note", "tsa_token", "tsa_time")

    def get_tsa_token(self, checkpoint) -> str | None:
        token = checkpoint.tsa_token
        return base64.b64encode(bytes(token)).decode() if token else None


class PublicAPI:
    """Readable without credentials; credentials that are sent are still checked (an expired
    or revoked token is refused, not ignored)."""

    permission_classes = [AllowAny]


class CheckpointList(PublicAPI, generics.ListAPIView):
    """Signed checkpoints (C2SP signed notes) with their time-stamp tokens, newest first."""

    serializer_class = CheckpointSerializer
    queryset = Checkpoint.objects.exclude(note="").order_by("-sequence", "-signed_at", "-pk")


class LogProofSerializer(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text="hex")
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex hashes")


def _int(request, name, required=True):
    value = request.query_params.get(name)
    if value is None or value == "":
        if required:
            raise APIValidationError({name: "This parameter is required."})
        return None
    # isascii: "²" and other Unicode digits pass isdigit() but int() refuses them.
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise APIValidationError({name: "A whole number of at most 18 digits."})
    return int(value)


def _proof_response(result):
    size, root, proof = result
    return Response({"tree_size": size, "root_hash": root.hex(), "proof": [p.hex() for p in proof]})


class InclusionProof(PublicAPI, APIView):
    """RFC 9162 inclusion proof of leaf ``index`` (ledger entry index + 1) in the tree of
    ``size`` entries (default: the whole log)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("index", int, required=True),
            OpenApiParameter("size", int, required=False),
        ],
        responses=LogProofSerializer,
    )
    def get(self, request):
        try:
            return _proof_response(
                services.inclusion_proof(_int(request, "index"), _int(request, "size", False))
            )
        except ValidationError as error:
            raise APIValidationError({"detail": error.messages}) from None


class ConsistencyProof(PublicAPI, APIView):
    """RFC 9162 consistency proof that the tree of ``from`` entries is a prefix of the tree
    of ``to`` entries (default: the whole log)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, required=True),
            OpenApiParameter("to", int, required=False),
        ],
        responses=LogProofSerializer,
    )
    def get(self, request):
        try:
            return _proof_response(
                services.consistency_proof(_int(request, "from"), _int(request, "to", False))
            )
        except ValidationError as error:
            raise APIValidationError({"detail": error.messages}) from None
