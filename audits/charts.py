"""SVG charts of the audits app, drawn the way aims_portal.charts draws them (plain numbers
and labels in, escaped SVG out, figures written as text so colour is never the only cue):
one markup for the review page and the minutes PDF."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from aims_portal.charts import FONT, HeatCell, heat_map

KIND_COLOURS = {
    "major_nc": "#dc3545",
    "minor_nc": "#fd7e14",
    "observation": "#ffc107",
    "ofi": "#0dcaf0",
}


def bar_chart(bars, *, title, width=420):
    """Horizontal bars: ``bars`` is a list of (label, value, colour)."""
    label_w, bar_h, gap, top = 190, 20, 8, 28
    plot_w = width - label_w - 50
    top_value = max([value for _, value, _ in bars] or [0]) or 1
    height = top + len(bars) * (bar_h + gap) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}">',
        f'<text x="0" y="16" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    for n, (label, value, colour) in enumerate(bars):
        y = top + n * (bar_h + gap)
        length = round(plot_w * value / top_value, 1)
        parts.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{label_w - 8}" y="{y + bar_h / 2 + 4}" font-size="12" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f1f3f5"/>'
            f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_h}" '
            f'fill="{escape(colour)}" stroke="#495057" stroke-width="0.5"/>'
            f'<text x="{label_w + length + 6}" y="{y + bar_h / 2 + 4}" font-size="12" '
            f'font-weight="600">{value}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def findings_chart(rows, *, key="open", title="Open findings by type"):
    """``rows`` as selectors.findings_by_kind returns them (live or frozen)."""
    return bar_chart(
        [(row["label"], row[key], KIND_COLOURS.get(row["kind"], "#6c757d")) for row in rows],
        title=title,
    )


def residual_heat_map(risks, *, title="Open risks, residual"):
    """The residual risk heat map from frozen figures: size, levels and [l, i, n] triples."""
    size = risks["matrix_size"]
    levels = risks["levels"]
    counts = {(row, col): n for row, col, n in risks["residual"]}
    cells = []
    for row in range(1, size + 1):
        for col in range(1, size + 1):
            score = row * col
            level = next((lvl for lvl in levels if score <= lvl["max_score"]), levels[-1])
            cells.append(
                HeatCell(
                    row=row,
                    col=col,
                    count=counts.get((row, col), 0),
                    level=level["label"],
                    colour=level.get("colour", "#e9ecef"),
                )
            )
    return heat_map(cells, size=size, title=title, cell=48)
