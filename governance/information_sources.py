"""Which management-system records provide items of the documented-information list
(controls.documented_information): the approved scope statement, the AI policy with its
acknowledgements, the RACI, the objectives, their measurements, and the training records.

Each provider reads one or two rows (a count or the latest record), whatever the size of
the registers. The communication plan (7.4) and the context registers (4.1, 4.2) have no
item of their own on the list: the standard does not ask them to be documented information,
and they feed the readiness checks instead (governance.readiness).
"""

from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from controls.documented_information import Source, provider

from . import selectors
from .models import Measurement, Objective, Process, RaciAssignment, ScopeStatement, TrainingRecord

SHOWN = 3  # policy documents named; the acknowledgement page lists the rest


@provider("aims-scope", first=True)
def approved_scope_statement():
    scope = (
        ScopeStatement.objects.filter(status=ScopeStatement.Status.APPROVED)
        .order_by("-approved_at", "-pk")
        .only("pk", "title", "scope_version", "approved_at")
        .first()
    )
    if scope is not None:
        return [Source(f"{scope}, approved {scope.approved_at:%d %b %Y}", scope.get_absolute_url())]
    draft = ScopeStatement.objects.order_by("-pk").only("pk", "title", "scope_version").first()
    if draft is not None:
        return [], f"The scope statement {draft} is not approved yet."
    return [], "No AIMS scope statement is written yet (Management system, Scope)."


@provider("ai-policy")
def policy_and_acknowledgements():
    documents = list(
        selectors.policies()
        .annotate(
            acknowledged=Count(
                "acknowledgements",
                # Only readings of the current version by people still active count.
                filter=Q(
                    acknowledgements__doc_version=F("doc_version"),
                    acknowledgements__person__is_active=True,
                ),
            )
        )
        .only("pk", "ref", "title", "doc_version")[:SHOWN]
    )
    if not documents:
        return [], "No policy document is approved (a controlled document of kind “policy”)."
    staff = selectors.staff().count()
    status = reverse("governance:acknowledgement-status")
    sources = []
    for document in documents:
        sources.append(
            Source(
                f"{document.ref} {document.title} (v{document.doc_version})",
                document.get_absolute_url(),
            )
        )
        sources.append(
            Source(
                f"Acknowledgements of {document.ref} v{document.doc_version}: "
                f"{document.acknowledged} of {staff} staff",
                status,
            )
        )
    return sources


@provider("roles-responsibilities")
def raci():
    found = RaciAssignment.objects.aggregate(
        lines=Count("pk"),
        processes=Count("process", distinct=True, filter=~Q(process="")),
        systems=Count("system", distinct=True),
    )
    if not found["lines"]:
        return [], "No RACI assignment is recorded for an AIMS process or an AI system."
    return [
        Source(
            f"RACI: {found['lines']} assignments covering {found['processes']} of "
            f"{len(Process.choices)} AIMS processes and {found['systems']} AI systems",
            reverse("governance:raci-matrix"),
        )
    ]


@provider("ai-objectives")
def objectives():
    count = Objective.objects.count()
    if not count:
        return [], "No AI objective is set."
    return [Source(f"AI objectives: {count}", reverse("governance:objective-list"))]


@provider("monitoring-results")
def measurements():
    found = Measurement.objects.aggregate(readings=Count("pk"), latest=Max("measured_on"))
    if not found["readings"]:
        return [], "No measurement of an AI objective is recorded."
    return [
        Source(
            f"Measurements of AI objectives: {found['readings']}, "
            f"latest {found['latest']:%d %b %Y}",
            reverse("governance:measurement-list"),
        )
    ]


@provider("competence-evidence")
def training_records():
    today = timezone.localdate()
    found = TrainingRecord.objects.aggregate(
        records=Count("pk"),
        current=Count("pk", filter=Q(expires_on__isnull=True) | Q(expires_on__gte=today)),
    )
    if not found["records"]:
        return [], "No training or competence record is kept."
    if not found["current"]:
        return [], f"None of the {found['records']} training records is in date."
    return [
        Source(
            f"Training and competence records: {found['records']} ({found['current']} in date)",
            reverse("governance:training-matrix"),
        )
    ]
