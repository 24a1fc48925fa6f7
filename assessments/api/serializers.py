from rest_framework import serializers

from aims_portal.api import RecordSerializer

from ..models import Impact, ImpactAssessment, Risk, ScoringMethod


class ImpactSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, help_text="Send it to keep an existing impact.")

    class Meta:
        model = Impact
        fields = [
            "id",
            "category",
            "direction",
            "description",
            "likelihood",
            "severity",
            "technical_mitigations",
            "procedural_mitigations",
            "residual_likelihood",
            "residual_severity",
        ]


class AssessmentSerializer(RecordSerializer):
    impacts = ImpactSerializer(
        many=True,
        required=False,
        help_text="The full list of impacts; on update it replaces the stored list.",
    )

    class Meta(RecordSerializer.Meta):
        model = ImpactAssessment
        fields = [
            "id",
            "reference",
            "revision",
            "previous",
            "system",
            "owner",
            "status",
            "purpose",
            "intended_users",
            "environment",
            "data_flows",
            "direct_users",
            "third_parties",
            "vulnerable_groups",
            "impacts",
            "decision",
            "decision_rationale",
            "next_review",
            "submitted_by",
            "submitted_at",
            "approver",
            "approved_at",
            "needs_reassessment",
            "reassessment_reason",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "revision",
            "previous",
            "status",
            "submitted_by",
            "submitted_at",
            "approver",
            "approved_at",
            "needs_reassessment",
            "reassessment_reason",
        )

    def record_data(self):
        data = super().record_data()
        if "impacts" in data:
            data["impacts"] = [dict(item) for item in data["impacts"]]
        return data


class RiskSerializer(RecordSerializer):
    inherent_level = serializers.SerializerMethodField()
    residual_level = serializers.SerializerMethodField()

    class Meta(RecordSerializer.Meta):
        model = Risk
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "source",
            "systems",
            "owner",
            "inherent_likelihood",
            "inherent_impact",
            "inherent_score",
            "inherent_level",
            "treatment",
            "treatment_plan",
            "residual_likelihood",
            "residual_impact",
            "residual_score",
            "residual_level",
            "status",
            "review_date",
            "acceptance_requested_by",
            "accepted_by",
            "accepted_at",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = (
            *RecordSerializer.Meta.read_only_fields,
            "reference",
            "inherent_score",
            "residual_score",
            "status",
            "acceptance_requested_by",
            "accepted_by",
            "accepted_at",
        )

    def _level(self, score):
        method = self.context.get("scoring_method")
        level = method.level_for(score) if method else None
        return level["label"] if level else None

    def get_inherent_level(self, risk) -> str | None:
        return self._level(risk.inherent_score)

    def get_residual_level(self, risk) -> str | None:
        return self._level(risk.residual_score)


class ScoringMethodSerializer(RecordSerializer):
    class Meta(RecordSerializer.Meta):
        model = ScoringMethod
        fields = [
            "id",
            "name",
            "matrix_size",
            "levels",
            "likelihood_labels",
            "impact_labels",
            "description",
            "version",
            "change_reason",
            "created_at",
            "updated_at",
        ]
