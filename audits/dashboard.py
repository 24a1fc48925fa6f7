"""Audit figures for the dashboard: open findings by type and corrective actions, overdue
first; every count opens the filtered list behind it."""

from django.urls import reverse

from aims_portal.dashboard import Card, Row, card

from . import selectors

KIND_TONES = {
    "major_nc": "danger",
    "minor_nc": "warning",
    "observation": "info",
    "ofi": "secondary",
}


@card("audits", order=60)
def open_findings_by_type(user):
    url = reverse("audits:finding-list")
    rows = [
        Row(
            row["label"],
            row["open"],
            f"{url}?status=open&kind={row['kind']}",
            KIND_TONES[row["kind"]],
        )
        for row in selectors.findings_by_kind()
    ]
    return Card("Open findings by type", rows, total_label="open", url=f"{url}?status=open")


@card("audits", order=61)
def corrective_actions(user):
    url = reverse("audits:action-list")
    by_status, overdue = selectors.actions_by_status()
    counts = {row["status"]: row["count"] for row in by_status}
    return Card(
        "Corrective actions",
        [
            Row("Overdue", overdue, f"{url}?overdue=true", "danger"),
            Row("Open", counts["open"], f"{url}?status=open", "primary"),
            Row("In progress", counts["in_progress"], f"{url}?status=in_progress", "info"),
            Row(
                "Implemented, awaiting effectiveness check",
                counts["implemented"],
                f"{url}?status=implemented",
                "warning",
            ),
        ],
        url=url,
        note="Overdue actions are also counted under their status.",
    )
