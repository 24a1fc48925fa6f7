from datetime import timedelta

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aims_portal.records.filters import LookupFilter, PersonFilter, WorkflowStatusFilterSet
from registry.models import AISystem

from .models import ImpactAssessment, Risk
from .selectors import scoring_method


def _level_choices():
    return [(level["label"], level["label"]) for level in scoring_method().levels]


RATINGS = [(n, str(n)) for n in range(1, 11)]


class RiskFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "description", "source")

    status = django_filters.ChoiceFilter(choices=Risk.Status.choices)
    inherent_level = django_filters.ChoiceFilter(
        label="Inherent level", choices=_level_choices, method="filter_level"
    )
    residual_level = django_filters.ChoiceFilter(
        label="Residual level", choices=_level_choices, method="filter_level"
    )
    owner = PersonFilter()
    system = LookupFilter(
        field_name="systems",
        queryset=AISystem.objects.all(),
        label="AI system",
        lookup_url="registry:aisystem-lookup",
    )
    review_due = django_filters.ChoiceFilter(
        label="Review due",
        method="filter_review_due",
        choices=[("overdue", "Overdue"), ("30", "Within 30 days"), ("90", "Within 90 days")],
    )
    current = django_filters.BooleanFilter(label="Exclude closed risks", method="filter_current")
    inherent_likelihood = django_filters.TypedChoiceFilter(
        choices=RATINGS, coerce=int, label="Inherent likelihood"
    )
    inherent_impact = django_filters.TypedChoiceFilter(
        choices=RATINGS, coerce=int, label="Inherent impact"
    )
    residual_likelihood = django_filters.TypedChoiceFilter(
        choices=RATINGS, coerce=int, label="Residual likelihood"
    )
    residual_impact = django_filters.TypedChoiceFilter(
        choices=RATINGS, coerce=int, label="Residual impact"
    )

    CELL_FILTERS = (
        "inherent_likelihood",
        "inherent_impact",
        "residual_likelihood",
        "residual_impact",
    )

    def search(self, queryset, name, value):
        """The text fields, and the ID or name of a linked AI system (without repeating a
        risk linked to several matching systems)."""
        links = Risk.systems.through.objects.filter(risk=OuterRef("pk")).filter(
            Q(aisystem__slug__icontains=value) | Q(aisystem__name__icontains=value)
        )
        return super().search(queryset, name, value) | queryset.filter(Exists(links))

    class Meta:
        model = Risk
        fields = [
            "q",
            "status",
            "treatment",
            "inherent_level",
            "residual_level",
            "owner",
            "system",
            "review_due",
            "current",
        ]

    def filter_current(self, queryset, name, value):
        if value:
            return queryset.exclude(status=Risk.Status.CLOSED)
        return queryset

    def filter_level(self, queryset, name, value: str):
        bounds = scoring_method().score_range(value)
        if bounds is None:
            return queryset.none()
        score = "inherent_score" if name == "inherent_level" else "residual_score"
        return queryset.filter(**{f"{score}__gte": bounds[0], f"{score}__lte": bounds[1]})

    def filter_review_due(self, queryset, name, value):
        # A closed risk is no longer reviewed, whatever date it still carries.
        today = timezone.localdate()
        queryset = queryset.exclude(status=Risk.Status.CLOSED)
        if value == "overdue":
            return queryset.filter(review_date__lt=today)
        return queryset.filter(review_date__lte=today + timedelta(days=int(value)))


class AssessmentFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "system__name", "system__slug", "purpose")

    status = django_filters.ChoiceFilter(choices=ImpactAssessment.Status.choices)
    system = LookupFilter(
        queryset=AISystem.objects.all(), label="AI system", lookup_url="registry:aisystem-lookup"
    )
    needs_reassessment = django_filters.BooleanFilter(label="Needs re-assessment")
    owner = PersonFilter()
    current = django_filters.BooleanFilter(label="Current revisions only", method="filter_current")
    review_due = django_filters.ChoiceFilter(
        label="Review due",
        method="filter_review_due",
        choices=[("overdue", "Overdue"), ("30", "Within 30 days"), ("90", "Within 90 days")],
    )

    class Meta:
        model = ImpactAssessment
        fields = [
            "q",
            "status",
            "system",
            "decision",
            "needs_reassessment",
            "owner",
            "current",
            "review_due",
        ]

    def filter_review_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(next_review__lt=today)
        return queryset.filter(next_review__lte=today + timedelta(days=int(value)))

    def filter_current(self, queryset, name, value):
        if value:
            return queryset.exclude(status=ImpactAssessment.Status.SUPERSEDED)
        return queryset
