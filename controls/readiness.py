"""Certification readiness: the clause 4-10 requirements (all mandatory: unlike Annex A
controls none can be excluded) and the documented-information list."""

from django.db.models import Count
from django.urls import reverse

from aims_portal.readiness import Failure, check, detail_url

from . import documented_information
from .models import Requirement


@check(
    "clause-requirements-owned",
    "Every clause 4 to 10 requirement has an owner and a plan",
    "The stage 1 audit reviews how the organisation intends to meet each requirement of "
    "clauses 4 to 10: each needs someone who answers for it and a status past “not started”.",
    order=130,
)
def requirements_owned():
    url = detail_url("controls:requirement-detail")
    failures = []
    for pk, ref, title, owner_id, status in Requirement.objects.values_list(
        "pk", "ref", "title", "owner_id", "status"
    ):
        problems = []
        if owner_id is None:
            problems.append("no owner")
        if status == Requirement.Status.NOT_STARTED:
            problems.append("not started")
        if problems:
            failures.append(Failure(f"{ref} {title}", url(pk), "; ".join(problems).capitalize()))
    return failures


@check(
    "clause-requirements-met",
    "Every clause 4 to 10 requirement is met, with evidence",
    "At stage 2 the auditors sample evidence that each requirement is met in practice: each "
    "needs the status “met” and at least one evidence reference or attached evidence item.",
    order=131,
)
def requirements_met():
    url = detail_url("controls:requirement-detail")
    rows = Requirement.objects.annotate(items=Count("evidence_items", distinct=True)).values_list(
        "pk", "ref", "title", "status", "evidence", "items"
    )
    failures = []
    for pk, ref, title, status, evidence, items in rows:
        problems = []
        if status != Requirement.Status.MET:
            problems.append(f"status is “{Requirement.Status(status).label}”")
        if not evidence and not items:
            problems.append("no evidence")
        if problems:
            failures.append(Failure(f"{ref} {title}", url(pk), "; ".join(problems).capitalize()))
    return failures


def _information_failures(stage):
    page = reverse("controls:documented-information")
    return [
        Failure(
            f"{entry.item.clause} {entry.item.title}",
            f"{page}#{entry.item.key}",
            entry.gap,
        )
        for entry in documented_information.entries()
        if entry.item.stage == stage and not entry.provided
    ]


@check(
    "documented-information-design",
    "Documented information for the stage 1 review",
    "The documents that describe the AIMS (scope, policy, roles, risk and impact processes, "
    "SoA, objectives, competence) each point at the portal record that holds them.",
    order=132,
)
def information_for_stage_1():
    return _information_failures(1)


@check(
    "documented-information-records",
    "Records that show the AIMS running",
    "The records a stage 2 auditor samples (risk and impact results, monitoring, internal "
    "audits, management review, corrective actions) exist in the portal.",
    order=133,
)
def information_for_stage_2():
    return _information_failures(2)
