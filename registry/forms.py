from django import forms
from django.db.models import Q

from aims_portal.records.forms import CommaSeparatedListField, ModelForm
from aims_portal.uploads import validate_upload_name

from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SupplierForm(ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Supplier
        fields = [
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
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "due_diligence_notes": forms.Textarea(attrs={"rows": 3}),
            "last_reviewed": DATE,
            "next_review": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)


class AISystemForm(ModelForm):
    regions = CommaSeparatedListField(required=False, help_text="Comma-separated, e.g. eu, uk")
    affected_parties = CommaSeparatedListField(
        required=False, help_text="Comma-separated, e.g. customers, support agents"
    )
    approved_by = CommaSeparatedListField(
        label="Approved by (as the YAML lists it)",
        required=False,
        help_text="Comma-separated roles or role:name, e.g. cto, dpo:Dana Ortiz. The go-live "
        "gate reads the sign-offs recorded on the system page, not this text.",
    )

    class Meta:
        model = AISystem
        fields = [
            "slug",
            "name",
            "description",
            "owner",
            "owner_team",
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
            "training_statement",
            "impact_assessment_ref",
            "approved_by",
            "last_reviewed",
            "next_review",
            "log_retention_days",
            "monitoring",
            "incident_runbook",
            "runbook_tested_on",
            "decommission_date",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "monitoring": forms.Textarea(attrs={"rows": 3}),
            "runbook_tested_on": DATE,
            "last_reviewed": DATE,
            "next_review": DATE,
            "decommission_date": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        # Retired suppliers cannot be newly chosen, but a current link stays selectable.
        current = self.instance.supplier_id if self.instance.pk else None
        self.fields["supplier"].queryset = Supplier.objects.filter(
            Q(retired_at__isnull=True) | Q(pk=current)
        )


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DataSourceForm(ModelForm):
    class Meta:
        model = DataSource
        fields = [
            "system",
            "kind",
            "name",
            "location",
            "pii",
            "retention_days",
            "provenance",
            "licence",
            "access_logging",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.system_id if self.instance.pk else None
        self.fields["system"].queryset = AISystem.objects.filter(
            Q(pk=current) | ~Q(stage=AISystem.Stage.RETIRED)
        )


class ModelVersionForm(ModelForm):
    class Meta:
        model = ModelVersion
        fields = [
            "system",
            "label",
            "base_model",
            "provider",
            "configuration",
            "data_snapshot",
            "deployed_at",
            "superseded_at",
        ]
        widgets = {
            "configuration": forms.Textarea(attrs={"rows": 4}),
            "deployed_at": DATETIME,
            "superseded_at": DATETIME,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.system_id if self.instance.pk else None
        self.fields["system"].queryset = AISystem.objects.filter(
            Q(pk=current) | ~Q(stage=AISystem.Stage.RETIRED)
        )


class IncidentForm(ModelForm):
    class Meta:
        model = Incident
        fields = [
            "system",
            "title",
            "severity",
            "detected_at",
            "detection",
            "description",
            "containment",
            "investigation",
            "postmortem",
        ]
        widgets = {
            "detected_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 3}),
            "containment": forms.Textarea(attrs={"rows": 3}),
            "investigation": forms.Textarea(attrs={"rows": 3}),
            "postmortem": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.system_id if self.instance.pk else None
        self.fields["system"].queryset = AISystem.objects.filter(
            Q(pk=current) | ~Q(stage=AISystem.Stage.RETIRED)
        )


class ChangeRequestForm(ModelForm):
    class Meta:
        model = ChangeRequest
        fields = [
            "system",
            "kind",
            "target_stage",
            "new_value",
            "reason",
            "regression_evidence",
            "impact_assessment_update",
            "updated_impact_assessment_ref",
        ]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "regression_evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The system and what changes are fixed once requested.
            for name in ("system", "kind", "target_stage", "new_value"):
                self.fields.pop(name)


class RegistryPolicyForm(ModelForm):
    class Meta:
        model = RegistryPolicy
        fields = ["name", "title", "description", "rego", "enabled"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "rego": forms.Textarea(
                attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}
            ),
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        files = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        for upload in files:
            validate_upload_name(upload)
        return files


class YAMLImportForm(forms.Form):
    files = MultipleFileField(
        label="Registry YAML files",
        widget=MultipleFileInput(attrs={"accept": ".yaml,.yml"}),
        help_text="One system per file, in the model-registry layout. All or nothing.",
    )
