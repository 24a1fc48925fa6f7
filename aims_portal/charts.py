"""Server-rendered SVG charts, the same markup in pages and PDFs.

The functions take plain numbers, labels and links (never records) and return SVG markup
marked safe; every text they draw is escaped here. Colour is never the only cue: cells and
bars carry their count and label as text, and a <title> for assistive technology.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class HeatCell:
    """One cell of a risk matrix: its position, how many items, its level and its link."""

    row: int  # likelihood, 1 = lowest (drawn at the bottom)
    col: int  # impact / severity, 1 = lowest (drawn at the left)
    count: int
    level: str
    colour: str
    href: str = ""
    selected: bool = False  # drawn with a heavy outline; callers also say so in text


def heat_map(cells, *, size, title, x_label="Impact", y_label="Likelihood", cell=64):
    """A ``size`` x ``size`` matrix of ``HeatCell``s, likelihood up and impact across."""
    margin_left, margin_top, margin_bottom = 54, 28, 46
    width = margin_left + size * cell + 8
    height = margin_top + size * cell + margin_bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heat-map" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="group" aria-label="{escape(title)}" '
        f'font-family="{FONT}">',
        f'<text x="{margin_left}" y="18" font-size="13" font-weight="600">{escape(title)}</text>',
    ]
    by_position = {(c.row, c.col): c for c in cells}
    for row in range(1, size + 1):
        y = margin_top + (size - row) * cell
        parts.append(
            f'<text x="{margin_left - 8}" y="{y + cell / 2 + 4}" font-size="12" '
            f'text-anchor="end">{row}</text>'
        )
        for col in range(1, size + 1):
            x = margin_left + (col - 1) * cell
            c = by_position.get((row, col)) or HeatCell(row, col, 0, "", "#f1f3f5")
            label = (
                f"{y_label} {row}, {x_label.lower()} {col}: {c.level or 'no level'}, "
                f"{c.count} item{'' if c.count == 1 else 's'}{' (selected)' if c.selected else ''}"
            )
            rect = (
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="3" '
                f'fill="{escape(c.colour)}" stroke="{"#0d6efd" if c.selected else "#495057"}" '
                f'stroke-width="{4 if c.selected else 0.5}"/>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 2}" font-size="18" '
                f'font-weight="{700 if c.count else 400}" text-anchor="middle" '
                f'fill="{"#212529" if c.count else "#6c757d"}">{c.count}</text>'
                f'<text x="{x + cell / 2}" y="{y + cell - 9}" font-size="10" text-anchor="middle" '
                f'fill="#212529">{escape(c.level)}</text>'
            )
            if c.href:
                parts.append(
                    f'<a href="{escape(c.href)}" aria-label="{escape(label)}">'
                    f"<title>{escape(label)}</title>{rect}</a>"
                )
            else:
                parts.append(f"<g><title>{escape(label)}</title>{rect}</g>")
    axis_y = margin_top + size * cell
    for col in range(1, size + 1):
        x = margin_left + (col - 1) * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{axis_y + 16}" font-size="12" text-anchor="middle">{col}</text>'
        )
    parts.append(
        f'<text x="{margin_left + size * cell / 2}" y="{axis_y + 36}" font-size="12" '
        f'text-anchor="middle">{escape(x_label)} →</text>'
    )
    mid_y = margin_top + size * cell / 2
    parts.append(
        f'<text x="14" y="{mid_y}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid_y})">{escape(y_label)} →</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))
