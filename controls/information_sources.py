"""Which portal records provide the documented-information items that live in the apps
controls builds on (registry, assessments) and in controls itself. Each provider reads a
fixed number of rows, whatever the size of the registers."""

from django.urls import reverse

from assessments.models import ImpactAssessment, Risk, ScoringMethod
from registry.models import ChangeRequest

from .catalogue import soa_document
from .documented_information import Source, provider
from .models import SoARevision

SHOWN = 3  # records named per item; the list links to the register for the rest


def _count_source(queryset, label, url):
    n = queryset.count()
    return [Source(f"{label}: {n}", url)] if n else []


@provider("aims-scope")
def soa_scope():
    soa = soa_document()
    if soa is not None and soa.scope.strip():
        return [
            Source("Scope statement of the Statement of Applicability", reverse("controls:soa"))
        ]
    return [], "The SoA has no scope statement yet (SoA page, “Edit title and scope”)."


@provider("statement-of-applicability")
def approved_soa():
    revision = SoARevision.objects.order_by("-number").only("number", "approved_at").first()
    if revision is None:
        return [], "No SoA revision has been approved yet."
    return [
        Source(
            f"SoA revision {revision.number}, approved {revision.approved_at:%d %b %Y}",
            revision.get_absolute_url(),
        )
    ]


@provider("risk-assessment-process")
def scoring_method():
    method = ScoringMethod.objects.order_by("pk").first()
    if method is None:
        return [], "No risk scoring method is defined."
    return [Source(f"Risk scoring method: {method}", method.get_absolute_url())]


@provider("risk-treatment-process")
def risk_treatments():
    treated = Risk.objects.exclude(treatment_plan="")
    return _count_source(
        treated, "Risks with a treatment plan", reverse("assessments:risk-list")
    ), "No risk in the register has a treatment plan yet."


@provider("risk-assessment-results")
def risk_register():
    return _count_source(
        Risk.objects.all(), "Risks assessed in the register", reverse("assessments:risk-list")
    ), "The risk register is empty."


def _approved_assessments():
    return ImpactAssessment.objects.filter(status=ImpactAssessment.Status.APPROVED)


@provider("impact-assessment-process")
def impact_assessment_method():
    found = _approved_assessments().order_by("-pk").first()
    if found is None:
        return [], "No impact assessment has been approved yet, so the process has not run."
    return [Source(f"Impact assessment process, last used in {found}", found.get_absolute_url())]


@provider("impact-assessment-results")
def impact_assessments():
    return _count_source(
        _approved_assessments(),
        "Approved impact assessments",
        f"{reverse('assessments:assessment-list')}?status=approved",
    ), "No approved impact assessment."


@provider("operational-records")
def reviewed_changes():
    return _count_source(
        ChangeRequest.objects.filter(status=ChangeRequest.Status.APPROVED),
        "Approved change records",
        reverse("registry:change-list"),
    ), "No change to an AI system has been reviewed and approved yet."
