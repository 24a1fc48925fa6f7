"""Audit figures for the dashboard: open findings by type and corrective actions, overdue
first; every count opens the filtered list behind it."""

from django.urls import reverse
from django.utils.formats import date_format

from aims_portal import roles
from aims_portal.dashboard import Card, Counted, Row, card, total

from . import selectors
from .models import CorrectiveAction, Finding, ManagementReview

KIND_TONES = {
    "major_nc": "danger",
    "minor_nc": "warning",
    "observation": "info",
    "ofi": "secondary",
}


def _open_findings():
    return {"open": Counted(Finding.objects.filter(status=Finding.Status.OPEN), ("kind",))}


@card("audits", order=60, counts=_open_findings)
def open_findings_by_type(user, figures):
    url = reverse("audits:finding-list")
    by_kind = {key[0]: n for key, n in figures["open"].items()}
    rows = [
        Row(label, by_kind.get(kind, 0), f"{url}?status=open&kind={kind}", KIND_TONES[kind])
        for kind, label in Finding.Kind.choices
    ]
    return Card("Open findings by type", rows, total_label="open", url=f"{url}?status=open")


def _action_counts():
    return {
        "by_status": Counted(CorrectiveAction.objects.all(), ("status",)),
        "overdue": Counted(selectors.overdue_actions()),
    }


@card("audits", order=61, counts=_action_counts)
def corrective_actions(user, figures):
    url = reverse("audits:action-list")
    counts = {key[0]: n for key, n in figures["by_status"].items()}
    return Card(
        "Corrective actions",
        [
            Row("Overdue", total(figures["overdue"]), f"{url}?overdue=true", "danger"),
            Row("Open", counts.get("open", 0), f"{url}?status=open", "primary"),
            Row("In progress", counts.get("in_progress", 0), f"{url}?status=in_progress", "info"),
            Row(
                "Implemented, awaiting effectiveness check",
                counts.get("implemented", 0),
                f"{url}?status=implemented",
                "warning",
            ),
        ],
        url=url,
        note="Overdue actions are also counted under their status.",
    )


@card("audits", order=62)
def management_review(user):
    """Where the executive runs the management review from: the last one held, the one in
    preparation, and a button to start or continue it."""
    url = reverse("audits:review-list")
    latest = list(
        ManagementReview.objects.order_by("-meeting_date", "-pk").only(
            "pk", "reference", "status", "meeting_date"
        )[:20]
    )
    held = next((r for r in latest if r.status == ManagementReview.Status.COMPLETED), None)
    open_review = next((r for r in latest if r.status == ManagementReview.Status.DRAFT), None)
    actions = []
    if open_review is not None:
        actions.append((f"Continue {open_review.reference}", open_review.get_absolute_url()))
    elif roles.can(user, "create", "audits"):
        actions.append(("Start a management review", reverse("audits:review-create")))
    if held is not None:
        # The review's page offers its minutes as PDF or Word (rendered as a job).
        actions.append((f"Minutes of {held.reference}", held.get_absolute_url()))
    return Card(
        "Management review",
        [],
        url=url,
        headline=(f"Last held {date_format(held.meeting_date)}" if held else "No review held yet"),
        headline_url=held.get_absolute_url() if held else "",
        actions=tuple(actions),
        note="Its inputs are filled in from the live figures; completing it freezes them.",
    )
