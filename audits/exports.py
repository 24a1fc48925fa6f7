"""The audit report and the management-review minutes as PDFs (WeasyPrint), with the same
SVG charts as the pages."""

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors


def _render(template, context):
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context), base_url=None).write_pdf()


def audit_report(audit, user):
    lines = list(selectors.checklist(audit))
    return _render(
        "audits/audit_report_pdf.html",
        {
            "audit": audit,
            "lines": lines,
            "result_counts": selectors.result_counts(lines),
            "findings": list(
                audit.findings.prefetch_related("corrective_actions").order_by("reference")
            ),
            "requirements": list(audit.requirements.order_by("sort_key")),
            "controls_audited": list(audit.controls.order_by("sort_key")),
            "systems": list(audit.systems.order_by("name")),
            "team": selectors.audit_team(audit),
            "generated_at": timezone.now(),
            "generated_by": user,
        },
    )


def review_minutes(review, user):
    from .views import review_charts

    figures = selectors.review_inputs(review)
    return _render(
        "audits/review_minutes_pdf.html",
        {
            "review": review,
            "figures": figures,
            "frozen": review.is_completed,
            **review_charts(figures),
            "attendees": list(review.attendees.order_by("username")),
            "review_actions": list(review.actions.select_related("owner").order_by("reference")),
            "generated_at": timezone.now(),
            "generated_by": user,
        },
    )
