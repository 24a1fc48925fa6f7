"""Server-rendered SVG geometry for SoA progress: one stacked bar per Annex A group.

Segments carry a pattern as well as a colour and every bar has its figures as text, so the
chart reads without colour (and prints the same in the PDF)."""

from dataclasses import dataclass

LABEL_WIDTH, BAR_X, BAR_WIDTH, ROW_HEIGHT, TOP = 250, 260, 330, 26, 8

SEGMENTS = (
    ("implemented", "Implemented", "soa-seg-implemented"),
    ("partial", "Partially implemented", "soa-seg-partial"),
    ("open", "Applicable, not yet implemented", "soa-seg-open"),
    ("excluded", "Excluded", "soa-seg-excluded"),
    ("undecided", "Not yet decided", "soa-seg-undecided"),
)


@dataclass
class Segment:
    key: str
    label: str
    css: str
    count: int
    x: float
    width: float


@dataclass
class Bar:
    group: object
    y: int
    segments: list
    summary: str


def progress_bars(groups):
    bars = []
    for i, g in enumerate(groups):
        counts = {
            "implemented": g.implemented,
            "partial": g.partial,
            "open": g.applicable - g.implemented - g.partial,
            "excluded": g.excluded,
            "undecided": g.undecided,
        }
        x, segments = BAR_X, []
        for key, label, css in SEGMENTS:
            width = BAR_WIDTH * counts[key] / g.total if g.total else 0
            if counts[key]:
                segments.append(Segment(key, label, css, counts[key], round(x, 1), round(width, 1)))
            x += width
        summary = f"{g.implemented}/{g.applicable} implemented"
        if g.partial:
            summary += f", {g.partial} partly"
        bars.append(Bar(g, TOP + i * ROW_HEIGHT, segments, summary))
    return {
        "bars": bars,
        "height": TOP * 2 + len(groups) * ROW_HEIGHT,
        "legend": SEGMENTS,
        "label_width": LABEL_WIDTH,
        "bar_x": BAR_X,
        "bar_width": BAR_WIDTH,
        "text_x": BAR_X + BAR_WIDTH + 10,
    }
