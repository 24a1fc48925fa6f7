"""The AI objectives card: how many objectives are on target, and each one's progress."""

from django.urls import reverse

from aims_portal import charts, roles
from aims_portal.dashboard import Card, Row, card

from . import selectors

STATUS_PATTERNS = {
    "met": "solid",
    "off_track": "diagonal",
    "overdue": "dots",
    "not_measured": "solid",
}


@card("governance", order=64)
def objectives_card(user):
    rows = selectors.objective_rows()
    url = reverse("governance:objective-list")
    if not rows:
        return Card(
            "AI objectives",
            url=url,
            note="No AI objective is set yet (clause 6.2).",
            show_rows=False,
        )
    export = reverse("governance:document-export")
    report = (("Objectives report (PDF)", export, {"document": "objectives"}),)
    met = sum(1 for r in rows if r["status"] == "met")
    bars = [
        charts.Bar(
            f"{r['reference']} ({r['status_label'].lower()})",
            r["progress"],
            r["url"],
            tone=r["tone"],
            pattern=STATUS_PATTERNS.get(r["status"], "solid"),
        )
        for r in rows
    ]
    return Card(
        "AI objectives",
        [
            Row(status.label, sum(1 for r in rows if r["status"] == status.key), url, status.tone)
            for status in selectors.STATUSES
        ],
        url=url,
        headline=f"{met} / {len(rows)} on target",
        headline_url=url,
        chart=charts.bar_chart(
            bars,
            title="Latest reading as % of target",
            key="chart-objectives",
            unit="%",
            label_width=230,
        ),
        note="Bars: each objective's latest reading as a percentage of its target (capped at "
        "100). The objectives report gives the readings over time.",
        post_actions=report if roles.can(user, "export", "governance") else (),
    )
