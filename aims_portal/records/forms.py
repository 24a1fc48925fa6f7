from django import forms
from django.core.exceptions import ValidationError


class CommaSeparatedListField(forms.CharField):
    """A list of short strings (regions, affected parties) typed as "a, b, c"."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value) or ""
        return [item.strip() for item in text.split(",") if item.strip()]


class RecordEditMixin(forms.Form):
    """Fields every edit form carries: the version it was based on and why it changes."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        help_text="Kept in the record's history, where auditors read it.",
    )

    BOOKKEEPING = ("expected_version", "change_reason")

    def record_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in self.BOOKKEEPING}


def attach_errors(form, error: ValidationError):
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def edit_form_class(form_class):
    """The record's form plus the edit bookkeeping fields, built once per form class."""
    cached = getattr(form_class, "_edit_form", None)
    if cached is None or cached.__bases__[0] is not form_class:
        cached = type(f"{form_class.__name__}Edit", (form_class, RecordEditMixin), {})
        form_class._edit_form = cached
    return cached
