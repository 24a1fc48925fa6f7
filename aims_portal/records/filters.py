import copy
from collections import OrderedDict

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import BoundField, NullBooleanSelect
from django.forms.renderers import Jinja2
from django.urls import reverse
from django_filters.fields import ChoiceIterator
from django_filters.utils import label_for_filter

from ..kept import Kept, frozen_or_none, setting_of_the_request
from ..record_registry import record_type_for
from .lookup import active_people
from .tables import OneLevelCopies


class AnyYesNo(NullBooleanSelect):
    """A yes/no filter that reads "Any" when nothing is chosen, not Django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]


class RemoteLookupInput(forms.TextInput):
    """A filter over a large table (thousands of AI systems) as a text box for the record's
    ID, not a menu of every row: the portal's script turns it into a search that asks the
    JSON endpoint ``url_name`` (with ``url_args``) for matches. The chosen record's name
    rides along so the box shows it, not a number."""

    def __init__(self, url_name, attrs=None, url_args=()):
        super().__init__(attrs)
        self.url_name = url_name
        self.url_args = tuple(url_args)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-remote-url"] = reverse(self.url_name, args=self.url_args)
        widget_attrs.setdefault("placeholder", "ID, or type to search")
        chosen = self._chosen(value)
        if chosen is not None:
            widget_attrs["data-remote-label"] = str(chosen)
        return context

    def _chosen(self, value):
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is None or value in (None, ""):
            return None
        try:
            return queryset.filter(pk=int(value)).first()
        except (TypeError, ValueError, OverflowError, ValidationError):
            return None


class LookupChoiceField(forms.ModelChoiceField):
    """A record chosen by its id or, as typed without JavaScript, by its ID: the
    ``alternate_key`` field, by default the first lookup field of its record type."""

    def __init__(self, *args, alternate_key=None, **kwargs):
        self._alternate_key = alternate_key
        super().__init__(*args, **kwargs)

    @property
    def alternate_key(self):
        if self._alternate_key is None:
            rt = record_type_for(self.queryset.model)
            return rt.lookup[0] if rt is not None and rt.lookup else None
        return self._alternate_key

    def to_python(self, value):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text and not text.isdigit():
            # A NUL byte cannot be an ID, and PostgreSQL refuses it in a query.
            found = None
            if "\x00" not in text and self.alternate_key:
                found = self.queryset.filter(**{self.alternate_key: text[:200]}).first()
            if found is None:
                raise ValidationError(f"No record has the ID “{text[:80]}”.", code="invalid_choice")
            return found
        if isinstance(text, str) and text.isdigit() and len(text) > 18:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)


class LookupFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter over a large table: LookupChoiceField in a RemoteLookupInput.
    Without ``lookup_url`` the box searches the generic lookup of the queryset's record
    type (``record-lookup``, which needs ``RecordType.lookup``)."""

    field_class = LookupChoiceField

    def __init__(self, *args, lookup_url=None, **kwargs):
        if lookup_url is None:
            meta = kwargs["queryset"].model._meta
            widget = RemoteLookupInput("record-lookup", url_args=(meta.app_label, meta.model_name))
        else:
            widget = RemoteLookupInput(lookup_url)
        kwargs.setdefault("widget", widget)
        super().__init__(*args, **kwargs)


def _people(request):
    return active_people()


class PersonFilter(LookupFilter):
    """A filter on a person (owner, lead auditor, …): a search box over active users, not
    a menu of everyone. Typed without JavaScript, a username chooses the person."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", _people)
        kwargs.setdefault("alternate_key", "username")
        kwargs.setdefault(
            "widget",
            RemoteLookupInput("people-lookup", attrs={"placeholder": "Username, or type a name"}),
        )
        super().__init__(*args, lookup_url="people-lookup", **kwargs)


class KeptJinja2(Jinja2):
    """Jinja2 drawing of widgets, each drawing kept by its template and context.

    A widget's template is a function of the context its widget gives it (name, value,
    attributes, options) and of nothing else, and a list page draws the same menus on every
    request. The key holds each value with its type: a safe string and a plain one with the
    same text are drawn differently. A context holding something that cannot be a key (an
    unhashable object) is drawn every time. At most MAX_KEPT drawings are kept.
    """

    MAX_KEPT = 4096

    def __init__(self):
        super().__init__()
        self._kept = Kept(self.MAX_KEPT)

    def render(self, template_name, context, request=None):
        key = None
        if request is None:
            drawn = frozen_or_none(context)
            key = None if drawn is None else (template_name, drawn)
        draw = super().render
        return self._kept.get(key, lambda: draw(template_name, context, request))


# Filter boxes are drawn by Jinja2 from Django's own widget templates: the same markup as the
# default renderer, in a fraction of the time (a list page draws up to ten menus on every
# request), and each drawing is kept for the next page that draws the same box. Forms that
# people fill in keep the default renderer.
FILTER_RENDERER = KeptJinja2()


class KeptBoundField(BoundField):
    """A filter box drawn once per form class, box and value, and kept.

    A filter form's class is made once per filter set (``RecordFilterSet.get_form_class``),
    so its boxes are the same on every request but for their values. A box is drawn anew
    each time when its menu's choices are worked out when drawn (a callable, a queryset),
    or when it is a remote lookup showing the name of a chosen record, read from the
    database.
    """

    _drawings = Kept(4096)

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        draw = super().as_widget
        if widget is not None or attrs or only_initial:
            return draw(widget, attrs, only_initial)
        return self._drawings.get(self._drawing_key(), draw)

    def _drawing_key(self):
        widget = self.field.widget
        value = self.value()
        if isinstance(widget, RemoteLookupInput):
            if value not in (None, ""):
                return None
        elif not _fixed(getattr(widget, "choices", ())):
            return None
        return frozen_or_none(
            (
                type(self.form),
                self.name,
                value,
                self.auto_id,
                bool(self.errors),
                setting_of_the_request(),
            )
        )


def _fixed(choices):
    """Whether a menu's choices are a list given once (django-filter wraps them to add its
    empty choice), not worked out each time they are read."""
    if isinstance(choices, ChoiceIterator):
        choices = choices.choices
    return isinstance(choices, list | tuple)


class FilterForm(forms.Form):
    """The form behind a list's filters: Bootstrap's small controls, drawn by Jinja2."""

    default_renderer = FILTER_RENDERER
    bound_field_class = KeptBoundField

    @classmethod
    def with_fields(cls, name, fields):
        """A form class of ``fields``, each widget given its Bootstrap class. Each form made
        from it copies the fields, so the class can serve every request."""
        # The form class owns its fields: the widgets' classes are added to copies.
        fields = {key: copy.deepcopy(field) for key, field in fields.items()}
        form_class = type(name, (cls,), fields)
        for field in form_class.base_fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):  # menus, multiple choices, yes/no
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            classes = widget.attrs.get("class", "")
            widget.attrs["class"] = f"{classes} {css}".strip()
        return form_class


class _Filters(OneLevelCopies):
    """A filter set class's filters. A filter set changes attributes of its filters only (its
    model and itself as their parent), never what they hold; a filter that calls a method of
    its filter set is bound to its copy."""

    @staticmethod
    def copy_of(declared):
        copied = copy.copy(declared)
        if declared.method is not None:
            copied.method = declared.method  # a FilterMethod that calls the copy
        return copied


class RecordFilterSet(django_filters.FilterSet):
    """Base filters: free-text search over ``search_fields`` and, for records that can be
    retired, a status filter that shows active records unless asked otherwise."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label="Search")

    @classmethod
    def get_filters(cls):
        # Give every filter its label now, from the model's verbose name. Left for later,
        # a filter whose form field is built without a model (the API schema reads the
        # class's filters) caches a field labelled from the bare name: "Eu ai act tier".
        filters = super().get_filters()
        model = cls._meta.model
        for declared in filters.values() if model is not None else ():
            if declared._label is None and declared.field_name:
                declared.label = label_for_filter(
                    model, declared.field_name, declared.lookup_expr, declared.exclude
                )
        return _Filters(filters)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if not any(f.name == "retired_at" for f in self._meta.model._meta.fields):
            self.filters.pop("status", None)

    status = django_filters.ChoiceFilter(
        method="filter_status",
        label="Status",
        choices=[("active", "Active"), ("retired", "Retired"), ("all", "All")],
        empty_label=None,
    )

    def get_form_class(self):
        # Made once per filter set class and set of filters, not on every request: building
        # the fields and the class was a third of a list's filtering. A field depends on its
        # filter's declaration only (no filter here reads the request to build its field).
        cls = type(self)
        kept = cls.__dict__.get("_form_classes")
        if kept is None:
            kept = {}
            cls._form_classes = kept
        key = tuple(self.filters)
        form_class = kept.get(key)
        if form_class is None:
            for declared in self.filters.values():
                if isinstance(declared, django_filters.BooleanFilter):
                    declared.extra.setdefault("widget", AnyYesNo)
            fields = OrderedDict((name, declared.field) for name, declared in self.filters.items())
            form_class = kept[key] = FilterForm.with_fields(f"{cls.__name__}Form", fields)
        return form_class

    def search(self, queryset, name, value):
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)

    def filter_status(self, queryset, name, value):
        if not any(f.name == "retired_at" for f in queryset.model._meta.fields):
            # A subclass that keeps this filter for records that cannot be retired: there
            # is nothing to narrow (a retired_at lookup would be a server error).
            return queryset
        if value == "retired":
            return queryset.retired()
        if value == "all":
            return queryset
        return queryset.active()

    @property
    def qs(self):
        queryset = super().qs
        # Unless the user chose a status, hide retired records.
        if "status" in self.filters and not (self.data or {}).get("status"):
            queryset = queryset.active()
        return queryset

    @property
    def active_count(self):
        data = self.data or {}
        return sum(1 for name in self.filters if name != "q" and data.get(name))


class WorkflowStatusFilterSet(RecordFilterSet):
    """For records whose ``status`` is a workflow state of their own rather than
    active/retired: the base class's status filter and retired-hiding do not apply."""

    def __init__(self, data=None, *args, **kwargs):
        django_filters.FilterSet.__init__(self, data, *args, **kwargs)

    @property
    def qs(self):
        return django_filters.FilterSet.qs.fget(self)
