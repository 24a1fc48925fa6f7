from rest_framework import serializers

from aims_portal.api import RecordSerializer

from ..models import (
    Audit,
    AuditProgramme,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)

TRACKED = ("version", "change_reason", "created_at", "updated_at")


class ProgrammeSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = AuditProgramme
        fields = ["id", "year", "title", "objectives", "owner", *TRACKED]


class AuditSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Audit
        fields = [
            "id",
            "reference",
            "programme",
            "title",
            "scope",
            "systems",
            "requirements",
            "controls",
            "lead_auditor",
            "auditors",
            "team",
            "planned_start",
            "planned_end",
            "started_at",
            "completed_at",
            "status",
            "conclusion",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "team",
            "started_at",
            "completed_at",
            "status",
        )


class ChecklistLineSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ChecklistLine
        fields = [
            "id",
            "audit",
            "ref",
            "title",
            "requirement",
            "control",
            "result",
            "notes",
            "assessed_by",
            "assessed_at",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "audit",
            "ref",
            "title",
            "requirement",
            "control",
            "assessed_by",
            "assessed_at",
        )


class FindingSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Finding
        fields = [
            "id",
            "reference",
            "audit",
            "checklist_line",
            "requirement_ref",
            "kind",
            "title",
            "description",
            "evidence_summary",
            "status",
            "raised_by",
            "closed_at",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "audit",
            "requirement_ref",
            "status",
            "raised_by",
            "closed_at",
        )


class CorrectiveActionSerializer(RecordSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    # Blank until the effectiveness check is done.
    effectiveness_result = serializers.ChoiceField(
        choices=CorrectiveAction.Effectiveness.choices, allow_blank=True, read_only=True
    )

    class Meta(RecordSerializer.Meta):
        model = CorrectiveAction
        fields = [
            "id",
            "reference",
            "finding",
            "review",
            "title",
            "root_cause",
            "correction",
            "action",
            "owner",
            "due_date",
            "status",
            "overdue",
            "implemented_at",
            "effectiveness_checked_by",
            "effectiveness_checked_at",
            "effectiveness_result",
            "effectiveness_notes",
            "closed_at",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "status",
            "implemented_at",
            "effectiveness_checked_by",
            "effectiveness_checked_at",
            "effectiveness_result",
            "effectiveness_notes",
            "closed_at",
        )


class ManagementReviewSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ManagementReview
        fields = [
            "id",
            "reference",
            "title",
            "meeting_date",
            "chair",
            "attendees",
            "other_attendees",
            "changes_in_issues",
            "interested_parties_feedback",
            "objectives_performance",
            "improvement_opportunities",
            "decisions",
            "status",
            "completed_by",
            "completed_at",
            "figures",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "status",
            "completed_by",
            "completed_at",
            "figures",
        )


class EvidenceSerializer(RecordSerializer):
    upload = serializers.FileField(
        write_only=True, required=False, help_text="The file, for kind “file” (multipart)."
    )
    record_link = serializers.CharField(
        write_only=True,
        required=False,
        help_text="For kind “record”: the address of the record's page in the portal.",
    )

    class Meta(RecordSerializer.Meta):
        model = EvidenceItem
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "upload",
            "file_name",
            "file_size",
            "sha256",
            "url",
            "record_link",
            "record_label",
            "record_url",
            "checklist_line",
            "finding",
            "corrective_action",
            "soa_entry",
            "assessment",
            "attached_to",
            "added_by",
            "retired_at",
            *TRACKED,
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "file_name",
            "file_size",
            "sha256",
            "record_label",
            "record_url",
            "attached_to",
            "added_by",
            "retired_at",
        )


class AuditsStepSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False, help_text="The version you read; a stale one is refused with 409."
    )
