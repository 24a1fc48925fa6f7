"""The audits app's charts, drawn by aims_portal.charts: one markup for the review page and
the minutes PDF."""

from aims_portal import charts
from aims_portal.charts import HeatCell, heat_map

# Tone and pattern per finding type, so the bars read without colour as well.
KIND_STYLES = {
    "major_nc": ("danger", "cross"),
    "minor_nc": ("warning", "diagonal"),
    "observation": ("info", "dots"),
    "ofi": ("secondary", "solid"),
}


def findings_chart(rows, *, key="open", title="Open findings by type"):
    """``rows`` as selectors.findings_by_kind returns them (live or frozen)."""
    return charts.bar_chart(
        [charts.Bar(row["label"], row[key], "", *KIND_STYLES[row["kind"]]) for row in rows],
        title=title,
        key=f"findings-{key}",
        label_width=200,
        width=440,
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


def review_charts(figures: dict) -> dict:
    """The review page's and the minutes' charts from its figures (live or frozen)."""
    return {
        "findings_chart": findings_chart(figures["findings"]),
        "risk_map": residual_heat_map(figures["risks"]),
    }
