from datetime import timedelta

import django_filters
from django.utils import timezone

from aims_portal.records.filters import (
    LookupFilter,
    PersonFilter,
    RecordFilterSet,
    WorkflowStatusFilterSet,
)

from .models import (
    AISystem,
    ChangeRequest,
    DataSource,
    Incident,
    ModelVersion,
    RegistryPolicy,
    Supplier,
)


class SupplierFilterSet(RecordFilterSet):
    search_fields = ("name", "services", "contact_name", "contact_email")

    due_diligence = django_filters.ChoiceFilter(
        label="Approval",
        method="filter_due_diligence",
        choices=[("open", "Not yet approved"), ("approved", "Approved")],
    )
    review_due = django_filters.ChoiceFilter(
        label="Review due",
        method="filter_review_due",
        choices=[("overdue", "Overdue"), ("30", "Within 30 days"), ("90", "Within 90 days")],
    )
    owner = PersonFilter()

    class Meta:
        model = Supplier
        fields = ["q", "due_diligence_status", "due_diligence", "review_due", "owner", "status"]

    def filter_due_diligence(self, queryset, name, value):
        approved = Supplier.DueDiligence.APPROVED
        if value == "approved":
            return queryset.filter(due_diligence_status=approved)
        return queryset.exclude(due_diligence_status=approved)

    def filter_review_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(next_review__lt=today)
        return queryset.filter(next_review__lte=today + timedelta(days=int(value)))


REVIEW_DUE_CHOICES = [("overdue", "Overdue"), ("30", "Within 30 days"), ("90", "Within 90 days")]


class AISystemFilterSet(RecordFilterSet):
    search_fields = ("slug", "name", "description", "purpose", "base_model", "provider")

    owner = PersonFilter()
    supplier = LookupFilter(queryset=Supplier.objects.all())
    review_due = django_filters.ChoiceFilter(
        label="Review due", method="filter_review_due", choices=REVIEW_DUE_CHOICES
    )

    class Meta:
        model = AISystem
        fields = [
            "q",
            "stage",
            "risk_tier",
            "eu_ai_act_tier",
            "data_sensitivity",
            "environment",
            "owner",
            "supplier",
            "review_due",
        ]

    def filter_review_due(self, queryset, name, value):
        """Systems still in service whose next review is overdue or within the period."""
        today = timezone.localdate()
        queryset = queryset.in_service()
        if value == "overdue":
            return queryset.filter(next_review__lt=today)
        return queryset.filter(next_review__lte=today + timedelta(days=int(value)))


class BySystem(django_filters.FilterSet):
    """Filter by the system's ID (slug): a text box, not a menu of every system."""

    system = django_filters.CharFilter(field_name="system__slug", label="AI system ID")


class DataSourceFilterSet(BySystem, RecordFilterSet):
    search_fields = ("name", "location", "provenance", "licence", "system__name", "system__slug")

    class Meta:
        model = DataSource
        fields = ["q", "kind", "pii", "system", "status"]


class ModelVersionFilterSet(BySystem, RecordFilterSet):
    search_fields = ("label", "base_model", "provider", "data_snapshot", "system__slug")

    current = django_filters.BooleanFilter(
        field_name="superseded_at", lookup_expr="isnull", label="In use now"
    )

    class Meta:
        model = ModelVersion
        fields = ["q", "system", "current"]


class IncidentFilterSet(BySystem, WorkflowStatusFilterSet):
    search_fields = ("title", "description", "system__name", "system__slug")

    status = django_filters.ChoiceFilter(choices=Incident.Status.choices)
    still_open = django_filters.BooleanFilter(
        method="filter_still_open", label="Still open (open or contained)"
    )

    class Meta:
        model = Incident
        fields = ["q", "status", "still_open", "severity", "detection", "system"]

    def filter_still_open(self, queryset, name, value):
        if value is None:
            return queryset
        still_open = Incident.objects.still_open().values("pk")
        return queryset.filter(pk__in=still_open) if value else queryset.exclude(pk__in=still_open)


class ChangeRequestFilterSet(BySystem, WorkflowStatusFilterSet):
    search_fields = ("reason", "new_value", "system__name", "system__slug")

    status = django_filters.ChoiceFilter(choices=ChangeRequest.Status.choices)

    class Meta:
        model = ChangeRequest
        fields = ["q", "status", "kind", "target_stage", "policy_passed", "system"]


class RegistryPolicyFilterSet(RecordFilterSet):
    search_fields = ("name", "title", "description")

    class Meta:
        model = RegistryPolicy
        fields = ["q", "enabled", "status"]
