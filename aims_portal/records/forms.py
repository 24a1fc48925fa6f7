from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models


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


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses, as an unknown choice, an id out of the range of the key's column: SQLite
    would fail with OverflowError on it instead of finding nothing."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        meta = self.queryset.model._meta
        column = meta.pk if key == "pk" else meta.get_field(key)
        if isinstance(column, models.IntegerField) and isinstance(value, list | tuple):
            ops = connections[self.queryset.db].ops
            low, high = ops.integer_field_range(column.get_internal_type())
            for item in value:
                try:
                    number = int(item)
                except (TypeError, ValueError):
                    continue  # Django's own check names it
                if not low <= number <= high:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super()._check_values(value)


def formfield(model_field, **kwargs):
    """The form field of a model field, with our ModelMultipleChoiceField for links."""
    if isinstance(model_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    return model_field.formfield(**kwargs)


class ModelForm(forms.ModelForm):
    """The base of the portal's model forms: their link fields use ModelMultipleChoiceField
    (a form's own Meta.formfield_callback, if any, wins)."""

    def __init_subclass__(cls, **kwargs):
        # Runs before ModelFormMetaclass reads Meta and builds the fields.
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(formfield)


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


def save_edit(form, update, record, actor):
    """Call the service ``update`` with an edit form's data; the saved record, or None with
    the refusal (a conflicting edit, a broken rule) put on the form."""
    from aims_portal.services import StaleVersionError

    try:
        return update(
            record,
            actor=actor,
            data=form.record_data(),
            expected_version=form.cleaned_data["expected_version"],
            reason=form.cleaned_data["change_reason"],
        )
    except StaleVersionError as conflict:
        form.add_error(None, str(conflict))
    except ValidationError as error:
        attach_errors(form, error)
    return None


def edit_form_class(form_class):
    """The record's form plus the edit bookkeeping fields, built once per form class."""
    cached = getattr(form_class, "_edit_form", None)
    if cached is None or cached.__bases__[0] is not form_class:
        cached = type(f"{form_class.__name__}Edit", (form_class, RecordEditMixin), {})
        form_class._edit_form = cached
    return cached
