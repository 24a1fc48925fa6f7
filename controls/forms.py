from django import forms
from django.core.validators import MaxLengthValidator

from aims_portal.records.forms import ModelForm
from assessments.models import Risk
from registry.models import AISystem

from . import documented_information
from .models import (
    Control,
    ControlledDocument,
    DocumentSettings,
    ExclusionReason,
    InclusionReason,
    Requirement,
    SoAEntry,
    StatementOfApplicability,
)
from .services import SCOPE_MAX_LENGTH

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LinesField(forms.CharField):
    """A list of short texts typed one per line (evidence references)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ControlForm(ModelForm):
    class Meta:
        model = Control
        fields = ["ref", "title", "group", "group_title", "purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 4})}


class RequirementForm(ModelForm):
    evidence = LinesField(
        label="Evidence references",
        required=False,
        help_text="One per line: a document ID, a portal page or a URL. Files and links to "
        "portal records are attached as evidence items from the requirement's page.",
        max_length=5000,
    )

    class Meta:
        model = Requirement
        fields = [
            "ref",
            "title",
            "clause",
            "status",
            "owner",
            "evidence",
            "notes",
            "last_reviewed",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 4}), "last_reviewed": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)


class SoAEntryForm(ModelForm):
    inclusion_reasons = forms.MultipleChoiceField(
        label="Reasons for inclusion",
        choices=InclusionReason.Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="At least one for an applicable control; the justification says more.",
    )
    exclusion_reasons = forms.MultipleChoiceField(
        label="Reasons for exclusion",
        choices=ExclusionReason.Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="At least one for an excluded control; the justification says more.",
    )
    evidence = LinesField(
        label="Evidence references",
        required=False,
        help_text="One per line: a document ID, a ticket or a URL.",
        max_length=5000,
    )

    class Meta:
        model = SoAEntry
        fields = [
            "applicability",
            "justification",
            "implementation_status",
            "owner",
            "systems",
            "risks",
            "evidence",
            "last_reviewed",
        ]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
            "last_reviewed": DATE,
            "systems": forms.SelectMultiple(attrs={"size": 5}),
            "risks": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "inclusion_reasons" not in self.initial:
            self.initial["inclusion_reasons"] = [
                r.reason for r in self.instance.inclusion_reasons.all()
            ]
        if self.instance.pk and "exclusion_reasons" not in self.initial:
            self.initial["exclusion_reasons"] = [
                r.reason for r in self.instance.exclusion_reasons.all()
            ]
        if "owner" in self.fields:
            self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
            self.fields["systems"].queryset = AISystem.objects.order_by("name")
            self.fields["risks"].queryset = Risk.objects.order_by("reference")


class SoAEntryInlineForm(SoAEntryForm):
    """The SoA page's inline row editor: the decision fields only, plus the reason."""

    change_reason = forms.CharField(label="Reason for this change", max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(SoAEntryForm.Meta):
        fields = ["applicability", "justification", "implementation_status", "evidence"]

    BOOKKEEPING = ("expected_version", "change_reason")

    def record_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in self.BOOKKEEPING}


class SoADocumentForm(ModelForm):
    """The SoA's own title and scope, with the reason and the version the editor started from."""

    change_reason = forms.CharField(label="Reason for this change", max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = StatementOfApplicability
        fields = ["title", "scope"]
        widgets = {"scope": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "title": "Printed on the PDF cover and at the top of every page.",
            "scope": "The AIMS scope this SoA covers: organisation, sites, AI systems, roles.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].validators.append(MaxLengthValidator(SCOPE_MAX_LENGTH))
        self.fields["scope"].widget.attrs["maxlength"] = SCOPE_MAX_LENGTH

    def record_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ControlledDocumentForm(ModelForm):
    class Meta:
        model = ControlledDocument
        fields = [
            "ref",
            "title",
            "kind",
            "summary",
            "owner",
            "doc_version",
            "review_date",
            "controls",
            "information",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "review_date": DATE,
            "controls": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        if "information" in self.fields:
            self.fields["information"] = forms.ChoiceField(
                label="Documented information",
                required=False,
                choices=[("", "None"), *documented_information.item_choices()],
                help_text=self.fields["information"].help_text,
            )


class DocumentFileForm(forms.Form):
    file = forms.FileField(help_text="PDF, Word or similar; at most 20 MB.")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    change_reason = forms.CharField(label="Reason for this change", max_length=500)

    MAX_SIZE = 20 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload


class AsOfForm(forms.Form):
    as_of = forms.DateField(label="Show the SoA as of", widget=DATE)


class DocumentSettingsForm(ModelForm):
    """What exported documents print about their issuer (administrators only)."""

    change_reason = forms.CharField(label="Reason for this change", max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = DocumentSettings
        fields = [
            "organisation_name",
            "logo",
            "soa_document_id",
            "classification",
            "distribution",
        ]
        widgets = {"distribution": forms.Textarea(attrs={"rows": 3})}

    BOOKKEEPING = ("expected_version", "change_reason")

    def record_data(self):
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}
