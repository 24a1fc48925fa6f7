"""Certification readiness checks on the management system's own records: the mandatory
items of clauses 4.1 to 4.3, 5.2, 6.2 and 7.2."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from aims_portal.readiness import Failure, check, detail_url

from . import selectors
from .models import ContextIssue, InterestedParty, ScopeStatement

READING_MAX_AGE = timedelta(days=120)


@check(
    "context-issues",
    "Context of the organisation recorded",
    "The AIMS records the internal and external issues that bear on it (4.1) and the "
    "interested parties with their requirements and how each is addressed (4.2).",
    order=30,
)
def context_recorded():
    failures = []
    kinds = set(ContextIssue.objects.values_list("kind", flat=True).distinct())
    for kind, label in ContextIssue.Kind.choices:
        if kind not in kinds:
            failures.append(
                Failure(
                    "Context issues",
                    reverse("governance:issue-list"),
                    f"No {label.lower()} issue recorded.",
                )
            )
    if not InterestedParty.objects.exists():
        failures.append(
            Failure(
                "Interested parties",
                reverse("governance:party-list"),
                "No interested party recorded.",
            )
        )
    url = detail_url("governance:party-detail")
    failures += [
        Failure(f"{ref} {name}", url(pk), "Its requirements are not addressed yet.")
        for pk, ref, name in InterestedParty.objects.filter(how_addressed="")
        .order_by("reference")
        .values_list("pk", "reference", "name")
    ]
    return failures


@check(
    "scope-approved",
    "AIMS scope approved",
    "The scope of the AIMS (4.3) is a documented statement, approved, naming the AI systems "
    "and units in and out and the interfaces with providers.",
    order=31,
)
def scope_approved():
    if ScopeStatement.objects.filter(status=ScopeStatement.Status.APPROVED).exists():
        return []
    draft = ScopeStatement.objects.order_by("-pk").first()
    if draft is not None:
        return [
            Failure(
                str(draft),
                draft.get_absolute_url(),
                f"Not approved yet ({draft.get_status_display().lower()}).",
            )
        ]
    return [Failure("AIMS scope", reverse("governance:scope-list"), "No scope statement written.")]


@check(
    "policy-acknowledged",
    "AI policy communicated and acknowledged",
    "The AI policy (5.2) is approved and every member of staff has acknowledged its current "
    "version.",
    order=32,
)
def policy_acknowledged():
    summary = selectors.acknowledgement_summary()
    if not summary:
        return [
            Failure("AI policy", reverse("controls:document-list"), "No approved policy document.")
        ]
    status = reverse("governance:acknowledgement-status")
    return [
        Failure(
            f"{row['document'].ref} v{row['document'].doc_version}",
            status,
            f"{len(row['missing'])} of {row['staff']} staff have not acknowledged it.",
        )
        for row in summary
        if row["missing"]
    ]


@check(
    "objectives-measured",
    "AI objectives set and measured",
    "AI objectives (6.2) exist, and each has a reading from the last four months (9.1).",
    order=33,
)
def objectives_measured():
    objectives = list(selectors.objectives().order_by("reference"))
    if not objectives:
        return [
            Failure("AI objectives", reverse("governance:objective-list"), "No AI objective set.")
        ]
    since = timezone.localdate() - READING_MAX_AGE
    return [
        Failure(
            str(o),
            o.get_absolute_url(),
            f"Last reading {o.latest_on:%d %b %Y}." if o.latest_on else "Never measured.",
        )
        for o in objectives
        if o.latest_on is None or o.latest_on < since
    ]


@check(
    "training-current",
    "Competence evidenced and in date",
    "Every competence the AIMS requires is held by someone with a record in date (7.2).",
    order=34,
)
def training_current():
    matrix = selectors.training_matrix()
    if not matrix["competences"]:
        return [
            Failure("Competences", reverse("governance:competence-list"), "No competence defined.")
        ]
    url = detail_url("governance:competence-detail")
    failures = []
    for index, competence in enumerate(matrix["competences"]):
        held = any(row["cells"][index].key in ("current", "expiring") for row in matrix["rows"])
        if not held:
            failures.append(
                Failure(str(competence), url(competence.pk), "Nobody holds it in date.")
            )
    return failures
