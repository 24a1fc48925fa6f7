"""Shapes of the attestation endpoints. Requests are validated by the services
(integrity/attestations.py), which hold every rule; these classes document the request for
the OpenAPI schema and render the responses."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..attestations import MAX_BATCH, MAX_METADATA_BYTES
from ..models import Attestation, AttestationToken


@extend_schema_field(
    {
        "type": "string",
        "enum": Attestation.Decision.values,
        "description": "; ".join(f"{v}: {label}" for v, label in Attestation.Decision.choices),
    }
)
class DecisionField(serializers.ChoiceField):
    """The gateway's decision (an inline enum: other records have "decision" fields too)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Attestation.Decision.choices, **kwargs)


class AttestationInSerializer(serializers.Serializer):
    system = serializers.SlugField(help_text="The AI system's ID (slug); must be the token's.")
    model_version = serializers.IntegerField(
        required=False,
        help_text="Id of the model version that produced the output (or model_version_label).",
    )
    model_version_label = serializers.CharField(
        required=False, help_text="The model version's label, e.g. v3.2.0 (or model_version)."
    )
    input_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the input, 64 hex digits."
    )
    output_sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$", help_text="SHA-256 of the output, 64 hex digits."
    )
    decision = DecisionField(help_text="What the gateway did with the output.")
    metadata = serializers.DictField(
        required=False,
        help_text=f"Any JSON object, at most {MAX_METADATA_BYTES} bytes and 5 levels deep.",
    )
    occurred_at = serializers.DateTimeField(
        required=False,
        help_text="When the output was produced, ISO 8601 with a time zone (default: now).",
    )


class AttestationBatchInSerializer(serializers.Serializer):
    attestations = AttestationInSerializer(
        many=True, help_text=f"1 to {MAX_BATCH} attestations, registered all or none."
    )


class ReceiptSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="aims-portal-receipt/1")
    origin = serializers.CharField(help_text="The log's name, as in its checkpoints.")
    leaf_index = serializers.IntegerField(help_text="The entry's leaf in the Merkle tree.")
    kind = serializers.CharField()
    covered_model = serializers.CharField()
    covered_id = serializers.IntegerField()
    prev_hash = serializers.CharField(help_text="The previous entry's hash (hex).")
    entry_hash = serializers.CharField(help_text="SHA-256 of the entry text (hex).")
    content_hash = serializers.CharField(help_text="SHA-256 of the row's canonical JSON.")
    row = serializers.DictField(help_text="The attestation row exactly as the ledger hashed it.")
    time = serializers.CharField(help_text="When the portal registered it (UTC).")
    system = serializers.CharField()
    model_version = serializers.CharField(help_text="The model version's label.")
    signature = serializers.CharField(
        help_text="Base64 Ed25519 signature by the ledger key over the canonical JSON of the "
        "other fields; check it with verify_receipt.py."
    )


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The attestation's id.")
    sequence = serializers.IntegerField(help_text="Its position in the integrity ledger.")
    entry_hash = serializers.CharField(help_text="The ledger entry's SHA-256 (chain link).")
    recorded_at = serializers.DateTimeField()
    receipt = ReceiptSerializer(help_text="Keep it: with a proof it verifies offline.")


class ProofCheckpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    signed_at = serializers.CharField()
    note = serializers.CharField(help_text="The C2SP signed note: save it as checkpoint.txt.")
    tsa_token = serializers.CharField(allow_null=True, help_text="RFC 3161 token, base64 DER")
    tsa_time = serializers.CharField(allow_null=True)


class ProofSerializer(serializers.Serializer):
    leaf_index = serializers.IntegerField()
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text="hex")
    proof = serializers.ListField(child=serializers.CharField(), help_text="hex hashes")
    checkpoint = ProofCheckpointSerializer()


class NotCoveredSerializer(serializers.Serializer):
    detail = serializers.CharField()
    leaf_index = serializers.IntegerField()
    next_checkpoint_due = serializers.CharField()
    retry_after = serializers.IntegerField(help_text="Seconds (also the Retry-After header).")


class BatchRegisteredSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    attestations = RegisteredSerializer(many=True, help_text="In the order they were sent.")


class ProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Which item (0-based).")
    field = serializers.CharField()
    message = serializers.CharField()


class RejectedSerializer(serializers.Serializer):
    """A refusal: ``errors`` names each problem by item and field; a body that could not be
    read at all (not JSON, too deep, unstorable text) has no items, and answers as an API
    problem (``status``, ``title``, ``detail``) without ``errors``."""

    detail = serializers.CharField()
    errors = ProblemSerializer(many=True, required=False)
    status = serializers.IntegerField(required=False)
    title = serializers.CharField(required=False)


class AttestationSerializer(serializers.ModelSerializer):
    # Reads an attestation as attestation_selectors.attestations_as_listed gives it: the
    # system's slug, the model version's label and the token's name are columns of the row.
    system = serializers.CharField(
        source="system_slug", read_only=True, label="ID", help_text="e.g. support-assistant"
    )
    model_version_label = serializers.CharField(read_only=True)
    token = serializers.CharField(source="token_name", read_only=True)
    # A plain string here: one enum component (the request's) keeps the schema's names clear.
    decision = serializers.CharField(read_only=True, help_text="See AttestationIn.decision.")
    sequence = serializers.IntegerField(read_only=True, allow_null=True)
    entry_hash = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Attestation
        fields = [
            "id",
            "system",
            "model_version",
            "model_version_label",
            "input_sha256",
            "output_sha256",
            "decision",
            "metadata",
            "occurred_at",
            "recorded_at",
            "token",
            "sequence",
            "entry_hash",
        ]
        read_only_fields = fields


class AttestationTokenSerializer(serializers.ModelSerializer):
    system = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by = serializers.StringRelatedField()
    revoked_by = serializers.CharField(read_only=True, allow_null=True)  # null until revoked
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = AttestationToken
        fields = [
            "id",
            "system",
            "name",
            "key_prefix",
            "active",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        read_only_fields = fields


class AttestationTokenCreateSerializer(serializers.Serializer):
    system = serializers.SlugField(help_text="The AI system's ID (slug).")
    name = serializers.CharField(max_length=100, help_text="Which gateway or job will use it.")


class AttestationTokenCreatedSerializer(AttestationTokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The token key. Shown this once: store it in the gateway."
    )

    class Meta(AttestationTokenSerializer.Meta):
        fields = [*AttestationTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
