from rest_framework import serializers

from aims_portal.api import RecordSerializer

from ..models import (
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)

BOOK = ["version", "change_reason", "created_at", "updated_at"]


class ContextIssueSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ContextIssue
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "category",
            "description",
            "response",
            "owner",
            "review_date",
            *BOOK,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "reference")


class InterestedPartySerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = InterestedParty
        fields = [
            "id",
            "reference",
            "name",
            "category",
            "basis",
            "requirements",
            "how_addressed",
            "owner",
            *BOOK,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "reference")


class ScopeStatementSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ScopeStatement
        fields = [
            "id",
            "title",
            "scope_version",
            "boundaries",
            "units_in",
            "units_out",
            "systems_in",
            "systems_out",
            "exclusions_reason",
            "suppliers",
            "interfaces",
            "owner",
            "status",
            "submitted_by",
            "approved_by",
            "approved_at",
            *BOOK,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "status",
            "submitted_by",
            "approved_by",
            "approved_at",
        )


class PolicyAcknowledgementSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = PolicyAcknowledgement
        fields = ["id", "document", "doc_version", "person", "acknowledged_at", *BOOK]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "doc_version",
            "person",
            "acknowledged_at",
        )


class RaciAssignmentSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = RaciAssignment
        fields = ["id", "process", "system", "activity", "person", "role", *BOOK]


class ObjectiveSerializer(RecordSerializer):
    latest_value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="The latest reading's value, if any.",
    )
    latest_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta(RecordSerializer.Meta):
        model = Objective
        fields = [
            "id",
            "reference",
            "title",
            "owner",
            "measure",
            "metric",
            "unit",
            "target",
            "direction",
            "due_date",
            "plan",
            "latest_value",
            "latest_on",
            *BOOK,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "reference")


class MeasurementSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Measurement
        fields = ["id", "objective", "measured_on", "value", "source", "note", "recorded_by", *BOOK]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "source", "recorded_by")


class CompetenceSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Competence
        fields = [
            "id",
            "reference",
            "name",
            "description",
            "role",
            "system",
            "validity_months",
            *BOOK,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "reference")


class TrainingRecordSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = TrainingRecord
        fields = [
            "id",
            "person",
            "competence",
            "activity",
            "provider",
            "completed_on",
            "expires_on",
            "evidence_sha256",
            *BOOK,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "evidence_sha256")


class CommunicationSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Communication
        fields = [
            "id",
            "topic",
            "audience",
            "audience_kind",
            "timing",
            "channel",
            "responsible",
            "next_due",
            *BOOK,
        ]
