from datetime import timedelta

import django_filters
from django.utils import timezone

from aims_portal.records.filters import PersonFilter, RecordFilterSet

from .models import Control, ControlledDocument, Requirement, SoAEntry


def _groups():
    # A callable: the form field reads it when it renders or validates, so the choices are
    # the catalogue's groups now, even where the filter's field was built long before.
    return list(Control.objects.values_list("group", "group").distinct().order_by("group"))


class ControlFilterSet(RecordFilterSet):
    search_fields = ("ref", "title", "purpose", "crosswalks__reference", "crosswalks__label")

    group = django_filters.ChoiceFilter(choices=_groups, label="Group")
    applicability = django_filters.ChoiceFilter(
        field_name="soa_entry__applicability", choices=SoAEntry.Applicability.choices
    )
    implementation = django_filters.ChoiceFilter(
        field_name="soa_entry__implementation_status",
        choices=SoAEntry.Implementation.choices,
        label="Implementation",
    )

    class Meta:
        model = Control
        fields = ["q", "group", "applicability", "implementation"]

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()


class RequirementFilterSet(RecordFilterSet):
    search_fields = ("ref", "title", "notes")

    clause = django_filters.ChoiceFilter(choices=[(n, f"Clause {n}") for n in range(4, 11)])
    compliance = django_filters.ChoiceFilter(
        field_name="status", choices=Requirement.Status.choices, label="Status"
    )
    owner = PersonFilter()
    unowned = django_filters.BooleanFilter(
        field_name="owner", lookup_expr="isnull", label="Without owner"
    )

    class Meta:
        model = Requirement
        fields = ["q", "clause", "compliance", "owner", "unowned"]


class SoAEntryFilterSet(RecordFilterSet):
    search_fields = ("control__ref", "control__title", "justification")
    owner = PersonFilter()

    class Meta:
        model = SoAEntry
        fields = ["q", "applicability", "implementation_status", "owner"]


class ControlledDocumentFilterSet(RecordFilterSet):
    search_fields = ("ref", "title", "summary")

    # "status" is the base class's retired/active filter name; documents have their own.
    doc_status = django_filters.ChoiceFilter(
        field_name="status", choices=ControlledDocument.Status.choices, label="Status"
    )
    owner = PersonFilter()
    review_due = django_filters.ChoiceFilter(
        label="Review due",
        method="filter_review_due",
        choices=[("overdue", "Overdue"), ("30", "Within 30 days"), ("90", "Within 90 days")],
    )

    class Meta:
        model = ControlledDocument
        fields = ["q", "kind", "doc_status", "owner", "review_due"]

    def filter_review_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(review_date__lt=today)
        return queryset.filter(review_date__lte=today + timedelta(days=int(value)))
