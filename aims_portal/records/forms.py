from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q

from .. import scopes


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


class LinkSelect(forms.SelectMultiple):
    """The widget of every link (many-to-many) field: a plain multiple select that the
    portal's script turns into a searchable add/remove list (tom-select). Without the
    script it stays a native multiple select, which the form's unlink guard protects."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"size": 8, **(attrs or {}), "data-link-select": "true"}, choices)


UNLINK_FIELD = "unlink_confirmed"


class UnlinkConfirmationField(forms.MultipleChoiceField):
    """The link fields whose removals the user confirmed; blanks and unknown names are
    ignored (the guard then simply asks again)."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v]

    def validate(self, value):
        pass

    def clean(self, value):
        known = {name for name, _ in self.choices}
        return [v for v in self.to_python(value) if v in known]


# Browsers offer a date or time picker only for these input types; Django's own widgets for
# dates are plain text boxes.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def formfield(model_field, **kwargs):
    """The form field of a model field, with our ModelMultipleChoiceField for links and a
    date or date-and-time input for dates (a form's Meta.widgets wins)."""
    if isinstance(model_field, models.ManyToManyField):
        kwargs.setdefault("form_class", ModelMultipleChoiceField)
    elif isinstance(model_field, models.DateTimeField):
        kwargs.setdefault("widget", DATETIME_INPUT)
    elif isinstance(model_field, models.DateField):
        kwargs.setdefault("widget", DATE_INPUT)
    return model_field.formfield(**kwargs)


class ModelForm(forms.ModelForm):
    """The base of the portal's model forms: their link fields use ModelMultipleChoiceField
    (a form's own Meta.formfield_callback, if any, wins) shown with LinkSelect.

    Editing a record never drops a link silently: a save that would remove links the record
    has is refused, naming them, unless the removal was confirmed (the widget's remove
    button confirms it; without JavaScript, a checkbox offered with the refusal does)."""

    def __init_subclass__(cls, **kwargs):
        # Runs before ModelFormMetaclass reads Meta and builds the fields.
        super().__init_subclass__(**kwargs)
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(formfield)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # A select whose first option is a value gets no `required` attribute (HTML
            # allows it only with an empty first option); say it to assistive technology.
            if field.required and type(field.widget) is forms.Select:
                field.widget.attrs.setdefault("aria-required", "true")
        links = self.link_fields()
        for name in links:
            widget = self.fields[name].widget
            if type(widget) is forms.SelectMultiple:
                self.fields[name].widget = LinkSelect(widget.attrs)
                self.fields[name].widget.choices = widget.choices
        if links and self.instance.pk is not None:
            self.fields[UNLINK_FIELD] = UnlinkConfirmationField(
                label="Remove these links",
                required=False,
                choices=[(name, self.fields[name].label) for name in links],
                widget=forms.MultipleHiddenInput,
            )

    def link_fields(self) -> list[str]:
        return [
            name
            for name, field in self.fields.items()
            if isinstance(field, forms.ModelMultipleChoiceField) and not field.disabled
        ]

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or UNLINK_FIELD not in self.fields:
            return
        confirmed = set(self.cleaned_data.pop(UNLINK_FIELD, None) or ())
        unconfirmed = []
        for name in self.link_fields():
            if name not in self.cleaned_data:
                continue  # already refused for another reason
            kept = {obj.pk for obj in self.cleaned_data[name]}
            before = self.initial.get(name) or ()
            dropped = [obj for obj in before if getattr(obj, "pk", obj) not in kept]
            if dropped and name not in confirmed:
                unconfirmed.append(name)
                names = ", ".join(str(obj) for obj in dropped)
                self.add_error(
                    name,
                    f"This would remove {len(dropped)} existing link(s): {names}. Select "
                    "them again to keep them, or tick “Remove these links” and save again.",
                )
        if unconfirmed:
            # Offer the confirmation as visible checkboxes, for these fields only.
            field = self.fields[UNLINK_FIELD]
            field.choices = [(n, self.fields[n].label) for n in unconfirmed]
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
            field.help_text = "Tick a field to confirm that its links shown above are removed."


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


def limit_choices(form: forms.Form, user) -> forms.Form:
    """Narrow the form's record choices (links and foreign keys to records that belong to an
    AI system) to the user's scope, keeping the values the record holds now, so a user
    limited to some AI systems neither sees the others' names nor can pick them."""
    if not scopes.is_scoped(user):
        return form
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        model = getattr(queryset, "model", None)
        if model is None or getattr(model, "area", None) is None:
            continue
        if scopes.scope_path(model) is scopes.ORGANISATION_WIDE:
            continue
        held = form.initial.get(name)
        held = held if isinstance(held, list | tuple) else [held] if held else []
        held_ids = [getattr(value, "pk", value) for value in held]
        inside = scopes.within_scope(model._base_manager.all(), user).values("pk")
        field.queryset = queryset.filter(Q(pk__in=inside) | Q(pk__in=held_ids))
    return form
