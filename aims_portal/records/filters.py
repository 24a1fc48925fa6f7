import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect


class AnyYesNo(NullBooleanSelect):
    """A yes/no filter that reads "Any" when nothing is chosen, not Django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]


class RecordFilterSet(django_filters.FilterSet):
    """Base filters: free-text search over ``search_fields`` and, for records that can be
    retired, a status filter that shows active records unless asked otherwise."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="search", label="Search")

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
        for declared in self.filters.values():
            if isinstance(declared, django_filters.BooleanFilter):
                declared.extra.setdefault("widget", AnyYesNo)
        return super().get_form_class()

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
            return queryset.filter(retired_at__isnull=False)
        if value == "all":
            return queryset
        return queryset.filter(retired_at__isnull=True)

    @property
    def qs(self):
        queryset = super().qs
        # Unless the user chose a status, hide retired records.
        if "status" in self.filters and not (self.data or {}).get("status"):
            queryset = queryset.filter(retired_at__isnull=True)
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
