from pathlib import Path

from rest_framework import serializers

from aims_portal.api import RecordSerializer
from aims_portal.uploads import upload_name_problem

from ..models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Responsibility,
    SignOff,
    Supplier,
)


class SupplierSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Supplier
        fields = [
            "id",
            "name",
            "services",
            "description",
            "website",
            "contact_name",
            "contact_email",
            "owner",
            "due_diligence_status",
            "due_diligence_notes",
            "last_reviewed",
            "next_review",
            "retired_at",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "retired_at")


class AISystemSerializer(RecordSerializer):
    regions = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    affected_parties = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False
    )
    approved_by = serializers.ListField(child=serializers.CharField(max_length=120), required=False)

    class Meta(RecordSerializer.Meta):
        model = AISystem
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "owner",
            "contact",
            "environment",
            "regions",
            "endpoint",
            "purpose",
            "data_sensitivity",
            "risk_tier",
            "eu_ai_act_tier",
            "affected_parties",
            "model_type",
            "base_model",
            "provider",
            "supplier",
            "version_pinned",
            "weights_location",
            "impact_assessment_ref",
            "approved_by",
            "last_reviewed",
            "next_review",
            "log_retention_days",
            "monitoring",
            "incident_runbook",
            "runbook_tested_on",
            "stage",
            "decommission_date",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "stage")


class DataSourceSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = DataSource
        fields = [
            "id",
            "system",
            "kind",
            "name",
            "location",
            "pii",
            "retention_days",
            "provenance",
            "licence",
            "access_logging",
            "retired_at",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "retired_at")


class ModelVersionSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ModelVersion
        fields = [
            "id",
            "system",
            "label",
            "base_model",
            "provider",
            "configuration",
            "data_snapshot",
            "deployed_at",
            "superseded_at",
            "change",
            "recorded_by",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "change", "recorded_by")


class IncidentSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Incident
        fields = [
            "id",
            "system",
            "title",
            "severity",
            "detected_at",
            "detection",
            "description",
            "containment",
            "investigation",
            "postmortem",
            "status",
            "reported_by",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "status", "reported_by")


class ChangeRequestSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ChangeRequest
        fields = [
            "id",
            "system",
            "kind",
            "from_stage",
            "target_stage",
            "new_value",
            "reason",
            "regression_evidence",
            "impact_assessment_update",
            "updated_impact_assessment_ref",
            "policy_passed",
            "policy_denials",
            "policy_checked_at",
            "status",
            "requested_by",
            "decided_by",
            "decided_role",
            "decided_at",
            "applied_at",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "from_stage",
            "policy_passed",
            "policy_denials",
            "policy_checked_at",
            "status",
            "requested_by",
            "decided_by",
            "decided_role",
            "decided_at",
            "applied_at",
        )


class RegistryPolicySerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = RegistryPolicy
        fields = [
            "id",
            "name",
            "title",
            "description",
            "rego",
            "enabled",
            "retired_at",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "retired_at")


class DenialSerializer(serializers.Serializer):
    rule = serializers.CharField()
    message = serializers.CharField()


class YAMLFilesSerializer(serializers.Serializer):
    files = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        help_text="File name → YAML text, one system per file.",
    )

    def validate_files(self, files):
        # The files are written to a temporary folder before they are read: each name must
        # be a plain file name and everything must be writable as UTF-8.
        problems = []
        for name, text in files.items():
            try:
                name.encode("utf-8")
                text.encode("utf-8")
            except UnicodeEncodeError:
                problems.append(f"{name!r}: not valid UTF-8 text.")
                continue
            plain = name not in (".", "..") and Path(name).name == name and "\x00" not in name
            if not name or not plain:
                problems.append(f"{name!r}: give a plain file name, e.g. my-system.yaml.")
            elif too_long := upload_name_problem(name):
                problems.append(f"{name[:40]!r}…: {too_long}")
        if problems:
            raise serializers.ValidationError(problems)
        return files


class SignOffRequestSerializer(serializers.Serializer):
    responsibility = serializers.ChoiceField(choices=Responsibility.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class SignOffSerializer(serializers.ModelSerializer):
    signed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SignOff
        fields = (
            "id",
            "system",
            "responsibility",
            "signed_by",
            "signed_at",
            "system_version",
            "note",
            "withdrawn_at",
        )
        read_only_fields = fields


class OverrideSerializer(serializers.Serializer):
    justification = serializers.CharField(
        max_length=2000, help_text="Why the stage may be skipped (at least 20 characters)."
    )
