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
    Audit,
    AuditProgramme,
    Certificate,
    CertificationAudit,
    CertificationBody,
    ChecklistLine,
    CorrectiveAction,
    EvidenceItem,
    Finding,
    ManagementReview,
)


class ProgrammeFilterSet(WorkflowStatusFilterSet):
    search_fields = ("title", "objectives")

    class Meta:
        model = AuditProgramme
        fields = ["q", "year"]


class AuditFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "scope")

    status = django_filters.ChoiceFilter(choices=Audit.Status.choices)
    programme = LookupFilter(queryset=AuditProgramme.objects.all())
    lead_auditor = PersonFilter()

    class Meta:
        model = Audit
        fields = ["q", "status", "programme", "lead_auditor"]


class ChecklistLineFilterSet(WorkflowStatusFilterSet):
    search_fields = ("ref", "title", "notes", "audit__reference")

    audit = LookupFilter(queryset=Audit.objects.all())
    result = django_filters.ChoiceFilter(choices=ChecklistLine.Result.choices)

    class Meta:
        model = ChecklistLine
        fields = ["q", "audit", "result"]


class FindingFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "description", "requirement_ref")

    kind = django_filters.ChoiceFilter(label="Type", choices=Finding.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Finding.Status.choices)
    audit = LookupFilter(queryset=Audit.objects.all())
    certification_audit = LookupFilter(queryset=CertificationAudit.objects.all())

    source = django_filters.ChoiceFilter(
        label="Raised by",
        method="filter_source",
        choices=[("internal", "Internal audits"), ("certification", "Certification body")],
    )

    class Meta:
        model = Finding
        fields = ["q", "kind", "status", "source", "audit", "certification_audit"]

    def filter_source(self, queryset, name, value):
        return queryset.filter(certification_audit__isnull=(value == "internal"))


class CorrectiveActionFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "title", "action", "root_cause")

    status = django_filters.ChoiceFilter(choices=CorrectiveAction.Status.choices)
    overdue = django_filters.BooleanFilter(label="Overdue", method="filter_overdue")
    owner = PersonFilter()
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


class CertificationBodyFilterSet(RecordFilterSet):
    search_fields = ("name", "accreditation", "contact_name", "notes")

    class Meta:
        model = CertificationBody
        fields = ["q", "status"]


class CertificationAuditFilterSet(WorkflowStatusFilterSet):
    search_fields = ("reference", "scope", "lead_auditor", "report_summary")

    kind = django_filters.ChoiceFilter(label="Audit", choices=CertificationAudit.Kind.choices)
    status = django_filters.ChoiceFilter(choices=CertificationAudit.Status.choices)
    body = LookupFilter(queryset=CertificationBody.objects.all())

    class Meta:
        model = CertificationAudit
        fields = ["q", "kind", "status", "cycle", "body"]


class CertificateFilterSet(WorkflowStatusFilterSet):
    search_fields = ("number", "scope")

    status = django_filters.ChoiceFilter(choices=Certificate.Status.choices)
    body = LookupFilter(queryset=CertificationBody.objects.all())
    expiring = django_filters.ChoiceFilter(
        label="Expires",
        method="filter_expiring",
        choices=[
            ("expired", "Already expired"),
            ("90", "Within 90 days"),
            ("365", "Within a year"),
        ],
    )

    class Meta:
        model = Certificate
        fields = ["q", "status", "body", "expiring"]

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        if value == "expired":
            return queryset.filter(expires_on__lt=today)
        return queryset.filter(expires_on__lte=today + timedelta(days=int(value)))
