from rest_framework import serializers

from aims_portal.api import RecordSerializer

from .. import documented_information
from ..models import (
    Control,
    ControlledDocument,
    CrosswalkMapping,
    DocumentExport,
    ExclusionReason,
    InclusionReason,
    Requirement,
    SoAEntry,
    SoARevision,
    StatementOfApplicability,
)


class CrosswalkSerializer(serializers.ModelSerializer):
    class Meta:
        model = CrosswalkMapping
        fields = ["framework", "reference", "label"]


class ControlSerializer(RecordSerializer):
    crosswalks = CrosswalkSerializer(many=True, read_only=True)

    class Meta(RecordSerializer.Meta):
        model = Control
        fields = [
            "id",
            "ref",
            "title",
            "group",
            "group_title",
            "purpose",
            "crosswalks",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]


class RequirementSerializer(RecordSerializer):
    evidence = serializers.ListField(child=serializers.CharField(max_length=500), required=False)

    class Meta(RecordSerializer.Meta):
        model = Requirement
        fields = [
            "id",
            "ref",
            "title",
            "clause",
            "status",
            "owner",
            "evidence",
            "notes",
            "last_reviewed",
            "version",
            "change_reason",
            "updated_at",
        ]


class ReasonListField(serializers.ListField):
    """A list of reason codes written with the entry and read back from its reason rows
    (``relation``: the related name of those rows), so the schema says it is read and
    written alike."""

    def __init__(self, *, relation, **kwargs):
        self.relation = relation
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return sorted(row.reason for row in getattr(instance, self.relation).all())


class SoAEntrySerializer(RecordSerializer):
    control_ref = serializers.CharField(source="control.ref", read_only=True)
    control_title = serializers.CharField(source="control.title", read_only=True)
    evidence = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    inclusion_reasons = ReasonListField(
        relation="inclusion_reasons",
        child=serializers.ChoiceField(choices=InclusionReason.Reason.choices),
        required=False,
        help_text="Why an applicable control is included (at least one); empty when excluded.",
    )
    exclusion_reasons = ReasonListField(
        relation="exclusion_reasons",
        child=serializers.ChoiceField(choices=ExclusionReason.Reason.choices),
        required=False,
        help_text="Why an excluded control is left out (at least one); empty otherwise.",
    )

    class Meta(RecordSerializer.Meta):
        model = SoAEntry
        fields = [
            "id",
            "control",
            "control_ref",
            "control_title",
            "applicability",
            "inclusion_reasons",
            "exclusion_reasons",
            "justification",
            "implementation_status",
            "owner",
            "systems",
            "risks",
            "evidence",
            "last_reviewed",
            "version",
            "change_reason",
            "updated_at",
        ]
        read_only_fields = (*RecordSerializer.Meta.read_only_fields, "control")


class SoASerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementOfApplicability
        fields = ["id", "title", "scope", "status", "submitted_by", "submitted_at", "version"]
        read_only_fields = fields


class SoADocumentSerializer(SoASerializer):
    """Changing the SoA's title and scope: send the version read and the reason."""

    version = serializers.IntegerField(
        help_text="The SoA's edit version you read; a stale one is refused with 409."
    )
    change_reason = serializers.CharField(
        write_only=True, max_length=500, help_text="Why they change; kept in the SoA's history."
    )

    class Meta(SoASerializer.Meta):
        fields = [*SoASerializer.Meta.fields, "change_reason"]
        read_only_fields = ["id", "status", "submitted_by", "submitted_at"]
        extra_kwargs = {"scope": {"trim_whitespace": False}}

    def record_data(self):
        return {k: v for k, v in self.validated_data.items() if k in ("title", "scope")}


class SoARevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SoARevision
        fields = [
            "id",
            "number",
            "approved_by",
            "approved_at",
            "submitted_by",
            "approval_note",
            "entries",
            "changes",
        ]
        read_only_fields = fields


class SoARevisionSummarySerializer(SoARevisionSerializer):
    class Meta(SoARevisionSerializer.Meta):
        fields = ["id", "number", "approved_by", "approved_at", "submitted_by", "approval_note"]
        read_only_fields = fields


class DocumentExportSerializer(serializers.ModelSerializer):
    revision = serializers.IntegerField(
        source="revision.number",
        required=False,
        allow_null=True,
        default=None,
        help_text="Revision number to export; leave out for the current draft.",
    )
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentExport
        fields = [
            "id",
            "format",
            "revision",
            "status",
            "progress",
            "error",
            "requested_by",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = [f for f in fields if f not in ("format", "revision")]

    def get_download_url(self, job) -> str | None:
        if job.status != DocumentExport.Status.DONE:
            return None
        request = self.context.get("request")
        url = f"/api/v1/controls/exports/{job.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class ControlledDocumentSerializer(RecordSerializer):
    information = serializers.ChoiceField(
        choices=[("", "None"), *documented_information.item_choices()],
        required=False,
        allow_blank=True,
        help_text="The documented-information item this document provides once approved.",
    )

    class Meta(RecordSerializer.Meta):
        model = ControlledDocument
        fields = [
            "id",
            "ref",
            "title",
            "kind",
            "summary",
            "owner",
            "doc_version",
            "status",
            "submitted_by",
            "approved_by",
            "approved_at",
            "review_date",
            "file_sha256",
            "controls",
            "information",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "status",
            "submitted_by",
            "approved_by",
            "approved_at",
            "file_sha256",
        )


class InformationSourceSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class DocumentedInformationSerializer(serializers.Serializer):
    """One item of the documented-information list, as computed now."""

    key = serializers.CharField(source="item.key")
    clause = serializers.CharField(source="item.clause")
    stage = serializers.IntegerField(source="item.stage")
    title = serializers.CharField(source="item.title")
    description = serializers.CharField(source="item.description")
    provided = serializers.BooleanField()
    sources = InformationSourceSerializer(many=True)
    gap = serializers.CharField()
