from django import forms
from django.contrib.auth import get_user_model

from aims_portal.records.forms import ModelMultipleChoiceField
from registry.models import AISystem, Team

from .models import grantable_roles

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _reason_field():
    return forms.CharField(
        label="Reason",
        max_length=500,
        help_text="Kept in the user's history.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=grantable_roles,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Roles and responsibilities",
    )
    change_reason = _reason_field()


class AccessWindowForm(forms.Form):
    access_from = forms.DateTimeField(
        required=False, widget=DATETIME, help_text="Empty: no start limit."
    )
    access_until = forms.DateTimeField(
        required=False, widget=DATETIME, help_text="Empty: no end limit."
    )
    change_reason = _reason_field()


class ScopeForm(forms.Form):
    teams = ModelMultipleChoiceField(
        queryset=Team.objects.all(),
        required=False,
        label="Business units (owning teams)",
        help_text="Every AI system these teams own is in scope.",
    )
    systems = ModelMultipleChoiceField(
        queryset=AISystem.objects.all(), required=False, label="AI systems"
    )
    note = forms.CharField(required=False, max_length=200, help_text="e.g. the engagement.")
    change_reason = _reason_field()


class ActivationForm(forms.Form):
    change_reason = _reason_field()


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)
    roles = forms.MultipleChoiceField(
        choices=grantable_roles,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Roles and responsibilities",
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    role = forms.ChoiceField(
        required=False, choices=lambda: [("", "Any"), *grantable_roles()], label="Role"
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Active"), ("inactive", "Deactivated"), ("all", "All")],
        label="Status",
    )


User = get_user_model()
