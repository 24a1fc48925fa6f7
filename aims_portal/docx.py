"""Word documents written with python-docx: the few building blocks every exported document
uses (title, key-value table, data table, paragraphs), so the documents look alike.

Each document's content comes from the same data builder as its PDF; this module only lays
it out. Text is set as plain runs: nothing a user typed is interpreted."""

import io
from collections.abc import Iterable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt


def new_document(*, landscape=False, header: str = "", footer: str = ""):
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    return document


def text(value) -> str:
    """What a cell or paragraph prints for a value ("—" for nothing), control characters
    that XML cannot hold left out."""
    if value is None or value == "":
        return "—"
    return "".join(ch for ch in str(value) if ch in "\t\n" or ord(ch) >= 32)


def paragraph(document, value, *, bold=False, italic=False, size=None):
    para = document.add_paragraph()
    run = para.add_run(text(value))
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    return para


def key_values(document, rows: Iterable[tuple[str, object]]):
    """A two-column table of labels and values (document control, metadata)."""
    rows = list(rows)
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for (label, value), row in zip(rows, table.rows, strict=True):
        row.cells[0].text = text(label)
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = text(value)
    document.add_paragraph()
    return table


def data_table(document, headers: list[str], rows: Iterable[Iterable[object]]):
    """A table with a bold, repeated header row; one row per item."""
    rows = [list(r) for r in rows]
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    cells = table._cells  # one flat list: much faster than row-by-row access
    width = len(headers)
    for n, header in enumerate(headers):
        cells[n].text = header
        cells[n].paragraphs[0].runs[0].bold = True
    header_row = table.rows[0]._tr
    header_row.get_or_add_trPr().append(_repeat_header())
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            cells[r * width + c].text = text(value)
    document.add_paragraph()
    return table


def _repeat_header():
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    return element


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
