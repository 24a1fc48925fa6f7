from rest_framework import serializers

from aims_portal.api import RecordSerializer
from controls.models import Control, Requirement

from ..models import (
    Audit,
    AuditProgramme,
    Certificate,
    CertificationAudit,
    CertificationBody,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
    ReportExport,
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
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=Requirement.objects.all(),
        write_only=True,
        required=False,
        help_text="For a certification body's finding: the clause requirement it is against.",
    )
    control = serializers.PrimaryKeyRelatedField(
        queryset=Control.objects.all(),
        write_only=True,
        required=False,
        help_text="For a certification body's finding: the Annex A control it is against.",
    )

    class Meta(RecordSerializer.Meta):
        model = Finding
        fields = [
            "id",
            "reference",
            "audit",
            "checklist_line",
            "certification_audit",
            "requirement",
            "control",
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
        extra_kwargs = {"checklist_line": {"required": False}}


class CorrectiveActionSerializer(RecordSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    # Blank until the effectiveness check is done.
    effectiveness_result = serializers.ChoiceField(
        choices=CorrectiveAction.Effectiveness.choices, allow_blank=True, read_only=True
    )

    class Meta(RecordSerializer.Meta):
        model = CorrectiveAction
        # is_overdue reads the action's status and due date: the list needs no joined row.
        own_properties = ("is_overdue",)
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
            "requirement",
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


class ReportExportSerializer(serializers.ModelSerializer):
    """An audit report or review minutes job: send ``audit`` or ``review`` (its id) and a
    format; poll ``status`` and ``progress``; download once ``download_url`` is set."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "document",
            "format",
            "audit",
            "review",
            "status",
            "progress",
            "error",
            "requested_by",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = [f for f in fields if f not in ("format", "audit", "review")]

    def validate(self, attrs):
        if bool(attrs.get("audit")) == bool(attrs.get("review")):
            raise serializers.ValidationError(
                "Name exactly one record: an audit (its report) or a review (its minutes)."
            )
        return attrs

    def get_download_url(self, job) -> str | None:
        if job.status != ReportExport.Status.DONE:
            return None
        request = self.context.get("request")
        url = f"/api/v1/audits/reports/{job.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class CertificationBodySerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = CertificationBody
        fields = [
            "id",
            "name",
            "accreditation",
            "contact_name",
            "contact_email",
            "website",
            "notes",
            "retired_at",
            *TRACKED,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "retired_at")


class CertificationAuditSerializer(RecordSerializer):
    # Blank until the audit is completed.
    outcome = serializers.ChoiceField(
        choices=CertificationAudit.Outcome.choices, allow_blank=True, required=False
    )

    class Meta(RecordSerializer.Meta):
        model = CertificationAudit
        fields = [
            "id",
            "reference",
            "body",
            "kind",
            "cycle",
            "planned_start",
            "planned_end",
            "lead_auditor",
            "audit_team",
            "scope",
            "owner",
            "status",
            "completed_on",
            "outcome",
            "report_summary",
            *TRACKED,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "reference")


class CertificateSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = Certificate
        fields = [
            "id",
            "number",
            "body",
            "granted_by",
            "scope",
            "issued_on",
            "expires_on",
            "status",
            "owner",
            *TRACKED,
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "body")
