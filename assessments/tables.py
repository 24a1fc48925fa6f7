import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from aims_portal.records.columns import DateColumn
from aims_portal.records.tables import RecordTable

from .models import ImpactAssessment, Risk
from .selectors import scoring_method

STATUS_TONES = {
    "draft": "secondary",
    "in_review": "info",
    "approved": "success",
    "returned": "warning",
    "superseded": "light",
    "open": "primary",
    "pending_acceptance": "info",
    "accepted": "success",
    "closed": "light",
}


def level_badge(level, score):
    """A score with its level name: the colour repeats what the text says."""
    if not level:
        return "—"
    # The swatch is an SVG fill (not a style attribute), so the CSP needs no inline styles.
    return format_html(
        '<span class="level-badge text-nowrap"><svg width="12" height="12" aria-hidden="true" '
        'class="me-1"><rect width="12" height="12" rx="2" fill="{}" stroke="#6c757d"/></svg>'
        "{} · {}</span>",
        level.get("colour", "#e9ecef"),
        score,
        level["label"],
    )


class StatusColumn(tables.Column):
    def render(self, value, record):
        raw = getattr(record, "status", "")
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', STATUS_TONES.get(raw, "secondary"), value
        )

    def value(self, value):
        return value


class LevelColumn(tables.Column):
    """Score and level under the scoring method in force."""

    def render(self, value, table):
        return level_badge(table.method.level_for(value), value)

    def value(self, value, table):
        level = table.method.level_for(value)
        return f"{value} {level['label']}" if level else ""


class RiskTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    title = tables.Column(linkify=True)
    systems = tables.ManyToManyColumn(
        verbose_name="Systems", transform=lambda system: system.slug, orderable=False
    )
    owner = tables.Column(order_by=("owner__username",))
    inherent_score = LevelColumn(verbose_name="Inherent")
    treatment = tables.Column()
    residual_score = LevelColumn(verbose_name="Residual")
    status = StatusColumn()
    review_date = DateColumn()

    class Meta:
        model = Risk
        fields = (
            "reference",
            "title",
            "systems",
            "owner",
            "inherent_score",
            "treatment",
            "residual_score",
            "status",
            "review_date",
        )
        order_by = ("-inherent_score", "reference")  # the reference breaks ties, as the model does
        empty_text = "No risks match."

    def __init__(self, *args, **kwargs):
        self.method = scoring_method()
        super().__init__(*args, **kwargs)


class AssessmentTable(RecordTable):
    reference = tables.Column(linkify=True, verbose_name="ID")
    revision = tables.Column(verbose_name="Rev.")
    system = tables.Column(linkify=True, order_by=("system__name",))
    owner = tables.Column(order_by=("owner__username",))
    status = StatusColumn()
    needs_reassessment = tables.Column(verbose_name="Re-assessment")
    decision = tables.Column()
    # Not sortable: an optional link's name has no index to read rows in that order.
    approver = tables.Column(orderable=False)
    next_review = DateColumn()

    class Meta:
        model = ImpactAssessment
        fields = (
            "reference",
            "revision",
            "system",
            "owner",
            "status",
            "needs_reassessment",
            "decision",
            "approver",
            "next_review",
        )
        empty_text = "No impact assessments match."

    def render_needs_reassessment(self, value):
        if value:
            return mark_safe(
                '<span class="badge text-bg-warning"><i class="bi bi-exclamation-triangle" '
                'aria-hidden="true"></i> Needed</span>'
            )
        return "—"

    def value_needs_reassessment(self, value):
        return "Needed" if value else ""
