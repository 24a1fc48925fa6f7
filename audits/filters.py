import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone

from aims_portal.records.filters import RecordFilterSet, WorkflowStatusFilterSet

from .models import (
    Audit,
    AuditProgramme,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)


def _users(request):
    return get_user_model().objects.filter(is_active=True).order_by("username")


class ProgrammeFilterSet(WorkflowStatusFilterSet):
    search_fields = ("title", "objectives")

    class Meta:
        model = AuditProgramme
        fields = ["q", "year"]


class AuditFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "scope")

    status = django_filters.ChoiceFilter(choices=Audit.Status.choices)
    lead_auditor = django_filters.ModelChoiceFilter(queryset=_users)

    class Meta:
        model = Audit
        fields = ["q", "status", "programme", "lead_auditor"]


class ChecklistLineFilterSet(WorkflowStatusFilterSet):
    search_fields = ("ref", "title", "notes", "audit__reference")

    result = django_filters.ChoiceFilter(choices=ChecklistLine.Result.choices)

    class Meta:
        model = ChecklistLine
        fields = ["q", "audit", "result"]


class FindingFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "description", "requirement_ref")

    kind = django_filters.ChoiceFilter(label="Type", choices=Finding.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices)

    class Meta:
        model = Finding
        fields = ["q", "kind", "status", "audit"]


class CorrectiveActionFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "action", "root_cause")

    status = django_filters.ChoiceFilter(choices=CorrectiveAction.Status.choices)
    overdue = django_filters.BooleanFilter(label="Overdue", method="filter_overdue")
    owner = django_filters.ModelChoiceFilter(queryset=_users)
    source = django_filters.ChoiceFilter(
        label="Answers",
        method="filter_source",
        choices=[("finding", "An audit finding"), ("review", "A management review")],
    )

    class Meta:
        model = CorrectiveAction
        fields = ["q", "status", "overdue", "owner", "source"]

    def filter_overdue(self, queryset, name, value):
        late = {"status__in": CorrectiveAction.OPEN_STATUSES, "due_date__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)

    def filter_source(self, queryset, name, value):
        return queryset.filter(**{f"{value}__isnull": False})


class ManagementReviewFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "decisions")

    status = django_filters.ChoiceFilter(choices=ManagementReview.Status.choices)

    class Meta:
        model = ManagementReview
        fields = ["q", "status"]


class EvidenceFilterSet(RecordFilterSet):
    search_fields = ("title", "description", "file_name", "sha256", "attached_to", "record_label")

    class Meta:
        model = EvidenceItem
        fields = ["q", "kind", "status"]
