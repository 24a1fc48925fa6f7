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
            # Starts with what the cell shows (count, level), as a link's name should.
            label = (
                f"{c.count} {c.level or 'no level'}: {c.count} item{'' if c.count == 1 else 's'} "
                f"at {y_label.lower()} {row}, {x_label.lower()} {col}"
                f"{' (selected)' if c.selected else ''}"
            )
            rect = (
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell - 2}" height="{cell - 2}" rx="3" '
                f'fill="{escape(c.colour)}" stroke="{"#0d6efd" if c.selected else "#495057"}" '
                f'stroke-width="{4 if c.selected else 0.5}"/>'
                f'<text x="{x + cell / 2}" y="{y + cell / 2 + 2}" font-size="18" '
                f'font-weight="{700 if c.count else 400}" text-anchor="middle" '
                f'fill="{"#212529" if c.count else "#6c757d"}">{c.count}</text>'
            )
            level = (
                f'<text x="{x + cell / 2}" y="{y + cell - 9}" font-size="10" text-anchor="middle" '
                f'fill="#212529" aria-hidden="true" pointer-events="none">{escape(c.level)}</text>'
            )
            if c.href:
                # Only the count is the link's visible text; the level is drawn over it.
                parts.append(
                    f'<a href="{escape(c.href)}" aria-label="{escape(label)}">'
                    f"<title>{escape(label)}</title>{rect}</a>{level}"
                )
            else:
                parts.append(f"<g><title>{escape(label)}</title>{rect}{level}</g>")
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


# --- shared pieces ------------------------------------------------------------------------

# Fills told apart by pattern as well as colour; drawn with presentation attributes only
# (the Content Security Policy allows no inline styles).
PATTERNS = {
    "solid": "",
    "diagonal": '<path d="M0 6 L6 0" stroke="#212529" stroke-width="1" stroke-opacity=".45"/>',
    "dots": '<circle cx="3" cy="3" r="1.1" fill="#212529" fill-opacity=".5"/>',
    "cross": (
        '<path d="M0 0 L6 6 M6 0 L0 6" stroke="#212529" stroke-width=".8" stroke-opacity=".45"/>'
    ),
    "horizontal": '<path d="M0 3 L6 3" stroke="#212529" stroke-width="1" stroke-opacity=".45"/>',
}
TONES = {
    "success": "#75b798",
    "info": "#6edff6",
    "warning": "#ffda6a",
    "danger": "#ea868f",
    "primary": "#6ea8fe",
    "secondary": "#adb5bd",
    "light": "#e9ecef",
}


def _defs(prefix, used):
    """<defs> with one pattern per (tone, pattern) pair used, ids scoped by ``prefix``."""
    parts = ["<defs>"]
    for tone, pattern in sorted(used):
        parts.append(
            f'<pattern id="{prefix}-{tone}-{pattern}" width="6" height="6" '
            f'patternUnits="userSpaceOnUse"><rect width="6" height="6" '
            f'fill="{TONES.get(tone, tone)}"/>{PATTERNS[pattern]}</pattern>'
        )
    parts.append("</defs>")
    return "".join(parts)


def _fill(prefix, tone, pattern):
    if pattern == "solid":
        return TONES.get(tone, tone)
    return f"url(#{prefix}-{tone}-{pattern})"


def _svg(prefix, width, height, title, css, description, body):
    # A chart whose parts are links is a group of links, not a single image.
    role = "group" if "<a " in body else "img"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-labelledby="{prefix}-t {prefix}-d" '
        f'font-family="{FONT}"><title id="{prefix}-t">{escape(title)}</title>'
        f'<desc id="{prefix}-d">{escape(description)}</desc>{body}</svg>'
    )


def _link(href, label, inner):
    if not href:
        return f"<g><title>{escape(label)}</title>{inner}</g>"
    label = escape(label)
    return f'<a href="{escape(href)}" aria-label="{label}"><title>{label}</title>{inner}</a>'


# --- horizontal bars ----------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar: its label, count, link, and tone/pattern so it reads without colour."""

    label: str
    count: int
    href: str = ""
    tone: str = "primary"
    pattern: str = "solid"


def bar_chart(bars, *, title, key, unit="", label_width=170, width=420):
    """Horizontal bars, one per ``Bar``, each labelled and followed by its count."""
    row, top = 26, 6
    height = top * 2 + row * max(len(bars), 1)
    bar_x, count_space = label_width + 8, 46
    span = width - bar_x - count_space
    top_count = max([b.count for b in bars] or [0])
    used = {(b.tone, b.pattern) for b in bars if b.pattern != "solid"}
    parts = [_defs(key, used)]
    for i, b in enumerate(bars):
        y = top + i * row
        length = span * b.count / top_count if top_count else 0
        label = f"{b.label}: {b.count}{' ' + unit if unit else ''}"
        # The row label stays outside the link: a link's visible text must be part of its
        # accessible name, and SVG text runs are read without spaces between them.
        parts.append(
            f'<text x="{label_width}" y="{y + 17}" font-size="12" text-anchor="end" '
            f'fill="#212529">{escape(b.label)}</text>'
        )
        inner = (
            f'<rect x="{bar_x}" y="{y + 4}" width="{span}" height="{row - 8}" fill="#f1f3f5"/>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{max(length, 1 if b.count else 0):.1f}" '
            f'height="{row - 8}" fill="{_fill(key, b.tone, b.pattern)}" stroke="#495057" '
            f'stroke-width=".5"/>'
            f'<text x="{bar_x + length + 6:.1f}" y="{y + 17}" font-size="12" font-weight="600" '
            f'fill="#212529">{b.count}</text>'
        )
        parts.append(_link(b.href, label, inner))
    summary = "; ".join(f"{b.label} {b.count}" for b in bars)
    return _svg(key, width, height, title, "bar-chart", summary, "".join(parts))


# --- stacked bars -------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A kind of segment in a stacked bar, with its legend label, tone and pattern."""

    key: str
    label: str
    tone: str
    pattern: str


# Longest row label drawn in full at the default label width (12 px text).
LABEL_CHARS = 34


@dataclass(frozen=True)
class StackedRow:
    label: str
    counts: dict  # Segment.key -> count
    href: str = ""
    summary: str = ""  # drawn after the bar, e.g. "5/7 implemented"
    segment_hrefs: dict = None  # Segment.key -> link


def stacked_bars(rows, segments, *, title, key, label_width=190, width=620, legend_columns=3):
    """One stacked bar per row, segments in ``segments`` order, with a legend below."""
    row_h, top, summary_w = 24, 6, 130
    bar_x = label_width + 8
    span = width - bar_x - summary_w
    legend_top = top + row_h * len(rows) + 10
    legend_rows = (len(segments) + legend_columns - 1) // legend_columns
    height = legend_top + legend_rows * 20 + 4
    parts = [_defs(key, {(s.tone, s.pattern) for s in segments if s.pattern != "solid"})]
    for i, r in enumerate(rows):
        y = top + i * row_h
        total = sum(r.counts.get(s.key, 0) for s in segments)
        label = f"{r.label}: " + ", ".join(
            f"{s.label.lower()} {r.counts.get(s.key, 0)}" for s in segments
        )
        shown = r.label
        if len(shown) > LABEL_CHARS:
            # Cut at a word: a link's visible words must be whole words of its name.
            shown = shown[: LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"
        parts.append(
            _link(
                r.href,
                label,
                f'<text x="{label_width}" y="{y + 16}" font-size="12" text-anchor="end" '
                f'fill="#212529">{escape(shown)}</text>',
            )
        )
        x = bar_x
        for s in segments:
            count = r.counts.get(s.key, 0)
            if not count:
                continue
            w = span * count / total
            seg_label = f"{r.label}, {s.label.lower()}: {count}"
            href = (r.segment_hrefs or {}).get(s.key, "")
            parts.append(
                _link(
                    href,
                    seg_label,
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                    f'fill="{_fill(key, s.tone, s.pattern)}" stroke="#495057" '
                    f'stroke-width=".5"/>',
                )
            )
            x += w
        parts.append(
            f'<text x="{bar_x + span + 8}" y="{y + 16}" font-size="12" fill="#212529">'
            f"{escape(r.summary)}</text>"
        )
    col_w = (width - 10) / legend_columns
    for n, s in enumerate(segments):
        lx = 10 + (n % legend_columns) * col_w
        ly = legend_top + (n // legend_columns) * 20
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="14" height="14" '
            f'fill="{_fill(key, s.tone, s.pattern)}" stroke="#495057" stroke-width=".5"/>'
            f'<text x="{lx + 20:.1f}" y="{ly + 11}" font-size="11" fill="#212529">'
            f"{escape(s.label)}</text>"
        )
    summary = "; ".join(f"{r.label}: {r.summary}" for r in rows)
    return _svg(key, width, height, title, "stacked-bars", summary, "".join(parts))


# --- trend lines --------------------------------------------------------------------------

MARKERS = ("circle", "square", "triangle", "diamond")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
LINE_COLOURS = ("#0d6efd", "#d63384", "#198754", "#fd7e14")


@dataclass(frozen=True)
class Series:
    label: str
    values: list  # one number per period
    href: str = ""


def _marker(shape, x, y, colour):
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y + 3.5:.1f} '
            f'L{x - 4.5:.1f} {y + 3.5:.1f} Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} '
            f'L{x - 5:.1f} {y:.1f} Z" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.8" fill="{colour}"/>'


def line_chart(series, periods, *, title, key, width=640, height=240):
    """Lines over ``periods`` (labels, oldest first), one per ``Series``; each line has its
    own marker shape and dash, its latest value written at its end, and a legend."""
    left, right, top = 40, 70, 12
    legend_h = 20 * ((len(series) + 1) // 2)
    bottom = 26 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max([max(s.values or [0]) for s in series] or [0])
    scale_max = max(4, _nice_ceiling(top_value))
    n = max(len(periods), 1)
    step = plot_w / (n - 1) if n > 1 else 0

    def xy(i, value):
        return left + i * step, top + plot_h - plot_h * value / scale_max

    parts = []
    for tick in range(5):
        value = scale_max * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="#dee2e6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#495057">{value:g}</text>'
        )
    for i, period in enumerate(periods):
        if i % 2 and i != n - 1:
            continue  # every other month labelled, and the latest one
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" '
            f'fill="#495057">{escape(period)}</text>'
        )
    for k, s in enumerate(series):
        colour, dash, shape = (
            LINE_COLOURS[k % 4],
            DASHES[k % 4],
            MARKERS[k % 4],
        )
        points = [xy(i, v) for i, v in enumerate(s.values)]
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(points)
        )
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        for i, (x, y) in enumerate(points):
            parts.append(
                f"<g><title>{escape(s.label)}, {escape(periods[i])}: {s.values[i]}</title>"
                f"{_marker(shape, x, y, colour)}</g>"
            )
        if points:
            x, y = points[-1]
            parts.append(
                f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="12" font-weight="600" '
                f'fill="#212529">{s.values[-1]}</text>'
            )
        lx = 10 + (k % 2) * (width / 2)
        ly = top + plot_h + 34 + (k // 2) * 20
        legend = (
            f'<line x1="{lx:.1f}" y1="{ly:.1f}" x2="{lx + 26:.1f}" y2="{ly:.1f}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f"{_marker(shape, lx + 13, ly, colour)}"
            f'<text x="{lx + 34:.1f}" y="{ly + 4:.1f}" font-size="12" fill="#212529">'
            f"{escape(s.label)}</text>"
        )
        parts.append(_link(s.href, f"{s.label}: now {s.values[-1] if s.values else 0}", legend))
    description = "; ".join(
        f"{s.label}: " + ", ".join(f"{p} {v}" for p, v in zip(periods, s.values, strict=False))
        for s in series
    )
    return _svg(key, width, height, title, "line-chart", description, "".join(parts))


def _nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above ``value`` (a tidy axis top)."""
    if value <= 0:
        return 0
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value:
            return int(factor * magnitude) if factor * magnitude >= 4 else 4
    return value


# --- a score out of n ---------------------------------------------------------------------


def score_blocks(passed, total, *, title, key, size=22):
    """``total`` squares of ``size`` px, the passed ones filled and ticked, the others
    outlined and crossed, with "passed / total" written beside them."""
    gap = max(2, size // 5)
    height = size + 8
    parts = []
    for i in range(total):
        x = i * (size + gap) + 2
        if i < passed:
            parts.append(
                f'<rect x="{x}" y="4" width="{size}" height="{size}" rx="3" fill="#198754"/>'
                f'<path d="M{x + size * 0.27:.1f} {4 + size / 2:.1f} l{size * 0.18:.1f} '
                f'{size * 0.18:.1f} l{size * 0.32:.1f} -{size * 0.36:.1f}" stroke="#fff" '
                f'stroke-width="2.4" fill="none"/>'
            )
        else:
            parts.append(
                f'<rect x="{x}" y="4" width="{size}" height="{size}" rx="3" fill="#fff" '
                f'stroke="#dc3545" stroke-width="2"/>'
                f'<path d="M{x + size * 0.3:.1f} {4 + size * 0.3:.1f} l{size * 0.4:.1f} '
                f"{size * 0.4:.1f} M{x + size * 0.7:.1f} {4 + size * 0.3:.1f} l-{size * 0.4:.1f} "
                f'{size * 0.4:.1f}" stroke="#dc3545" stroke-width="2"/>'
            )
    text_x = total * (size + gap) + 6
    label = f"{passed} / {total}"
    font = max(14, size * 0.8)
    # Room for the label in bold digits (about 0.65 em each), whatever the count of checks.
    width = text_x + int(len(label) * font * 0.65) + 6
    parts.append(
        f'<text x="{text_x}" y="{4 + size * 0.75:.1f}" font-size="{font:.0f}" '
        f'font-weight="700" '
        f'fill="#212529">{label}</text>'
    )
    description = f"{passed} of {total} checks pass"
    return _svg(key, width, height, title, "score-blocks", description, "".join(parts))
