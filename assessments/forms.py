from django import forms

from aims_portal.records.forms import ModelForm
from registry.models import AISystem

from .models import Impact, ImpactAssessment, Risk, ScoringMethod
from .selectors import scoring_method

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def rating_choices(labels):
    method = scoring_method()
    names = labels(method)
    return [("", "—")] + [
        (n, f"{n} · {names[n - 1]}" if len(names) >= n else str(n))
        for n in range(1, method.matrix_size + 1)
    ]


def likelihood_choices():
    return rating_choices(lambda m: m.likelihood_labels)


def impact_choices():
    return rating_choices(lambda m: m.impact_labels)


def _rating(label, choices, required=False):
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, empty_value=None, required=required
    )


class AssessmentForm(ModelForm):
    class Meta:
        model = ImpactAssessment
        fields = [
            "system",
            "owner",
            "purpose",
            "intended_users",
            "environment",
            "data_flows",
            "direct_users",
            "third_parties",
            "vulnerable_groups",
            "decision",
            "decision_rationale",
            "next_review",
        ]
        widgets = {
            name: TEXT
            for name in (
                "purpose",
                "intended_users",
                "environment",
                "data_flows",
                "direct_users",
                "third_parties",
                "vulnerable_groups",
                "decision_rationale",
            )
        } | {"next_review": DATE}

    SECTIONS = (
        ("Assessed system", ("system", "owner")),
        ("System context", ("purpose", "intended_users", "environment", "data_flows")),
        ("Affected parties", ("direct_users", "third_parties", "vulnerable_groups")),
    )
    DECISION = ("decision", "decision_rationale", "next_review")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        self.fields["system"].queryset = AISystem.objects.in_service()
        if self.instance.pk and self.instance.revision > 1:
            self.fields["system"].disabled = True

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def decision_fields(self):
        return [self[name] for name in self.DECISION]


class ImpactForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(choices=[("", "—"), *Impact.Category.choices], required=False)
    direction = forms.ChoiceField(choices=Impact.Direction.choices, initial="negative")
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What could happen"
    )
    technical_mitigations = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    procedural_mitigations = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, ratings=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The formset passes the choices in, so a long form reads the method once.
        likely, severe = ratings or (likelihood_choices(), impact_choices())
        self.fields["likelihood"] = _rating("Likelihood", likely)
        self.fields["severity"] = _rating("Severity", severe)
        self.fields["residual_likelihood"] = _rating("Residual likelihood", likely)
        self.fields["residual_severity"] = _rating("Residual severity", severe)
        for name in ("likelihood", "severity", "residual_likelihood", "residual_severity"):
            self.fields[name].widget.attrs["data-rating"] = name


_BaseImpactFormSet = forms.formset_factory(ImpactForm, can_delete=True, extra=0)


class ImpactFormSet(_BaseImpactFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("form_kwargs", {})["ratings"] = (likelihood_choices(), impact_choices())
        super().__init__(*args, **kwargs)


def impact_initial(assessment):
    return [
        {"id": impact.pk, **{name: getattr(impact, name) for name in ImpactForm.base_fields}}
        | {
            "likelihood": impact.likelihood,
            "severity": impact.severity,
            "residual_likelihood": impact.residual_likelihood,
            "residual_severity": impact.residual_severity,
        }
        for impact in assessment.impacts.all()
    ]


def impacts_from(formset):
    """The impacts a valid formset describes, in order, without the ones marked removed."""
    kept = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    return [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in kept]


class RiskForm(ModelForm):
    class Meta:
        model = Risk
        fields = [
            "title",
            "description",
            "source",
            "systems",
            "owner",
            "inherent_likelihood",
            "inherent_impact",
            "treatment",
            "treatment_plan",
            "residual_likelihood",
            "residual_impact",
            "review_date",
        ]
        widgets = {
            "description": TEXT,
            "treatment_plan": TEXT,
            "review_date": DATE,
            "systems": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_active=True)
        likely, severe = likelihood_choices(), impact_choices()
        self.fields["inherent_likelihood"] = _rating("Inherent likelihood", likely, True)
        self.fields["inherent_impact"] = _rating("Inherent impact", severe, True)
        self.fields["residual_likelihood"] = _rating("Residual likelihood", likely, True)
        self.fields["residual_impact"] = _rating("Residual impact", severe, True)
        order = list(self.Meta.fields)
        self.order_fields(order)


class ScoringMethodForm(ModelForm):
    class Meta:
        model = ScoringMethod
        fields = [
            "name",
            "matrix_size",
            "levels",
            "likelihood_labels",
            "impact_labels",
            "description",
        ]
        widgets = {
            "levels": forms.Textarea(attrs={"rows": 6}),
            "likelihood_labels": forms.Textarea(attrs={"rows": 2}),
            "impact_labels": forms.Textarea(attrs={"rows": 2}),
            "description": TEXT,
        }
