from django import forms

from aims_portal.records.forms import ModelForm
from controls.models import ControlledDocument

from .models import (
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

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _rows(n):
    return forms.Textarea(attrs={"rows": n})


class ContextIssueForm(ModelForm):
    class Meta:
        model = ContextIssue
        fields = ["title", "kind", "category", "description", "response", "owner", "review_date"]
        widgets = {"description": _rows(3), "response": _rows(3), "review_date": DATE}


class InterestedPartyForm(ModelForm):
    class Meta:
        model = InterestedParty
        fields = ["name", "category", "basis", "requirements", "how_addressed", "owner"]
        widgets = {"requirements": _rows(3), "how_addressed": _rows(3)}


class ScopeStatementForm(ModelForm):
    class Meta:
        model = ScopeStatement
        fields = [
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
        ]
        widgets = {
            "boundaries": _rows(3),
            "units_in": _rows(2),
            "units_out": _rows(2),
            "exclusions_reason": _rows(2),
            "interfaces": _rows(3),
        }


class PolicyAcknowledgementForm(ModelForm):
    """Acknowledging: the reader chooses the approved policy they read (its current version
    is recorded)."""

    document = forms.ModelChoiceField(
        queryset=ControlledDocument.objects.filter(kind="policy", status="approved").order_by(
            "ref"
        ),
        label="Policy read",
    )

    class Meta:
        model = PolicyAcknowledgement
        fields = ["document"]


class RaciAssignmentForm(ModelForm):
    class Meta:
        model = RaciAssignment
        fields = ["process", "system", "activity", "person", "role"]


class ObjectiveForm(ModelForm):
    class Meta:
        model = Objective
        fields = [
            "title",
            "owner",
            "measure",
            "metric",
            "unit",
            "target",
            "direction",
            "due_date",
            "plan",
        ]
        widgets = {"due_date": DATE, "plan": _rows(4)}


class MeasurementForm(ModelForm):
    class Meta:
        model = Measurement
        fields = ["objective", "measured_on", "value", "note"]
        widgets = {"measured_on": DATE}


class CompetenceForm(ModelForm):
    class Meta:
        model = Competence
        fields = ["name", "description", "role", "system", "validity_months"]
        widgets = {"description": _rows(3)}


class TrainingRecordForm(ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["person", "competence", "activity", "provider", "completed_on", "expires_on"]
        widgets = {"completed_on": DATE, "expires_on": DATE}
        help_texts = {"expires_on": "Left empty, it follows from the competence's validity."}


class EvidenceFileForm(forms.Form):
    evidence = forms.FileField(label="Evidence file")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    change_reason = forms.CharField(label="Reason for this change", max_length=500)


class CommunicationForm(ModelForm):
    class Meta:
        model = Communication
        fields = [
            "topic",
            "audience",
            "audience_kind",
            "timing",
            "channel",
            "responsible",
            "next_due",
        ]
        widgets = {"next_due": DATE}
