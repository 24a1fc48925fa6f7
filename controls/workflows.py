"""The approval workflows of the SoA and of controlled documents: one approval flow
(aims_portal.workflow.approval_workflow) with each record's own precondition."""

from aims_portal.workflow import approval_workflow

from . import selectors
from .models import SoAEntry, SoARevision


def soa_ready_for_review(soa) -> list[str]:
    """What keeps the SoA from being submitted: undecided or unjustified controls, or no
    change since the last approved revision."""
    problems = []
    rows = selectors.current_snapshot()
    undecided = [r["ref"] for r in rows if r["applicability"] == SoAEntry.Applicability.UNDECIDED]
    if undecided:
        problems.append(
            f"{len(undecided)} control(s) are not yet decided: {', '.join(undecided[:8])}"
            + ("…" if len(undecided) > 8 else "")
        )
    unjustified = [
        r["ref"]
        for r in rows
        if r["applicability"] != SoAEntry.Applicability.UNDECIDED and not r["justification"].strip()
    ]
    if unjustified:
        problems.append(f"Justification missing for: {', '.join(unjustified)}")
    unreasoned = [
        r["ref"]
        for r in rows
        if r["applicability"] == SoAEntry.Applicability.APPLICABLE and not r["inclusion_reasons"]
    ]
    if unreasoned:
        problems.append(
            f"Inclusion reasons missing for: {', '.join(unreasoned[:8])}"
            + ("…" if len(unreasoned) > 8 else "")
        )
    unexplained = [
        r["ref"]
        for r in rows
        if r["applicability"] == SoAEntry.Applicability.EXCLUDED and not r["exclusion_reasons"]
    ]
    if unexplained:
        problems.append(
            f"Exclusion reasons missing for: {', '.join(unexplained[:8])}"
            + ("…" if len(unexplained) > 8 else "")
        )
    latest = selectors.latest_revision()
    if latest is not None and not problems:
        frozen = SoARevision.objects.only("entries").get(pk=latest.pk).entries
        approved = selectors.revision_document(latest)
        if not selectors.snapshot_changes(frozen, rows) and not selectors.document_changes(
            approved, selectors.document_fields(soa)
        ):
            problems.append(f"Nothing changed since revision {latest.number}.")
    return problems


def document_ready_for_review(document) -> list[str]:
    problems = []
    if not document.review_date:
        problems.append("Set the next review date before submitting.")
    return problems


SOA_WORKFLOW = approval_workflow(
    guard=soa_ready_for_review, approve_label="Approve and freeze revision", redraft="reopen"
)

DOCUMENT_WORKFLOW = approval_workflow(
    guard=document_ready_for_review,
    approve_label="Approve",
    redraft="revise",
    party_fields=("owner",),
)
