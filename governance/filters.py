from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone

from aims_portal.records.filters import LookupFilter, PersonFilter, RecordFilterSet
from controls.models import ControlledDocument
from registry.models import AISystem

from .models import (
    Communication,
    Competence,
    ContextIssue,
    InterestedParty,
    Measurement,
    Objective,
    PolicyAcknowledgement,
    RaciAssignment,
    ScopeStatement,
    TrainingRecord,
)


class ContextIssueFilterSet(RecordFilterSet):
    search_fields = ("reference", "title", "description", "response")
    owner = PersonFilter()

    class Meta:
        model = ContextIssue
        fields = ["q", "kind", "category", "owner"]


class InterestedPartyFilterSet(RecordFilterSet):
    search_fields = ("reference", "name", "requirements", "how_addressed")
    addressed = django_filters.BooleanFilter(method="filter_addressed", label="Addressed")

    class Meta:
        model = InterestedParty
        fields = ["q", "category", "basis", "addressed"]

    def filter_addressed(self, queryset, name, value):
        return queryset.exclude(how_addressed="") if value else queryset.filter(how_addressed="")


class ScopeStatementFilterSet(RecordFilterSet):
    search_fields = ("title", "boundaries", "units_in", "interfaces")
    # "status" is the base class's retired/active filter name; scopes have their own.
    scope_status = django_filters.ChoiceFilter(
        field_name="status", choices=ScopeStatement.Status.choices, label="Status"
    )

    class Meta:
        model = ScopeStatement
        fields = ["q", "scope_status"]


class PolicyAcknowledgementFilterSet(RecordFilterSet):
    search_fields = ("document__ref", "document__title", "person__username", "doc_version")
    document = LookupFilter(queryset=ControlledDocument.objects.all())
    person = PersonFilter()

    class Meta:
        model = PolicyAcknowledgement
        fields = ["q", "document", "person"]


class RaciAssignmentFilterSet(RecordFilterSet):
    search_fields = ("activity", "system__name", "person__username")
    system = LookupFilter(queryset=AISystem.objects.all())
    person = PersonFilter()

    class Meta:
        model = RaciAssignment
        fields = ["q", "process", "system", "role", "person"]


class ObjectiveFilterSet(RecordFilterSet):
    search_fields = ("reference", "title", "measure", "plan")
    owner = PersonFilter()
    due = django_filters.ChoiceFilter(
        label="Due",
        method="filter_due",
        choices=[("overdue", "Past due"), ("90", "Within 90 days")],
    )

    class Meta:
        model = Objective
        fields = ["q", "owner", "metric", "due"]

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(due_date__lt=today)
        return queryset.filter(due_date__gte=today, due_date__lte=today + timedelta(days=90))


class MeasurementFilterSet(RecordFilterSet):
    search_fields = ("objective__reference", "objective__title", "note")
    objective = LookupFilter(queryset=Objective.objects.all())

    class Meta:
        model = Measurement
        fields = ["q", "objective", "source"]


class CompetenceFilterSet(RecordFilterSet):
    search_fields = ("reference", "name", "description", "role")
    system = LookupFilter(queryset=AISystem.objects.all())

    class Meta:
        model = Competence
        fields = ["q", "system"]


class TrainingRecordFilterSet(RecordFilterSet):
    search_fields = ("activity", "provider", "competence__name", "person__username")
    person = PersonFilter()
    competence = LookupFilter(queryset=Competence.objects.all())
    expiry = django_filters.ChoiceFilter(
        label="Expiry",
        method="filter_expiry",
        choices=[("expired", "Expired"), ("30", "Expires within 30 days"), ("none", "Never")],
    )

    class Meta:
        model = TrainingRecord
        fields = ["q", "person", "competence", "expiry"]

    def filter_expiry(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(expires_on__lt=today)
        if value == "none":
            return queryset.filter(expires_on__isnull=True)
        return queryset.filter(Q(expires_on__gte=today), Q(expires_on__lte=today + timedelta(30)))


class CommunicationFilterSet(RecordFilterSet):
    search_fields = ("topic", "audience", "channel", "timing")
    responsible = PersonFilter()

    class Meta:
        model = Communication
        fields = ["q", "audience_kind", "responsible"]
