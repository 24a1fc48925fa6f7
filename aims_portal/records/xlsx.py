"""A list export as an XLSX workbook: one sheet of text cells, the header row bold and frozen.

A list export is text only (every cell is already what the list shows, neutralised against
formulas), so the sheet is written straight as SpreadsheetML with inline strings: at ten
thousand rows this takes a fraction of the time a general spreadsheet library spends
building a cell object per value. Characters that XML 1.0 cannot hold (control characters
other than tab, newline and carriage return) are dropped, as spreadsheet programs would
refuse the file otherwise.
"""

import io
import re
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import quoteattr

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
MAX_TITLE = 31  # spreadsheet programs refuse longer sheet names
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "http://schemas.openxmlformats.org"
_OFFICE = "application/vnd.openxmlformats-officedocument"
_REL = f"{_OOXML}/officeDocument/2006/relationships"
_MAIN = f"{_OOXML}/spreadsheetml/2006/main"


def _override(part, kind):
    return f'<Override PartName="{part}" ContentType="{_OFFICE}.{kind}+xml"/>'


def _relationships(*targets):
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{_REL}/{kind}" Target="{target}"/>'
        for n, (kind, target) in enumerate(targets, start=1)
    )
    return (
        f'{_XML}<Relationships xmlns="{_OOXML}/package/2006/relationships">{links}</Relationships>'
    )


_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="{_OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "spreadsheetml.sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "spreadsheetml.worksheet")
    + _override("/xl/styles.xml", "spreadsheetml.styles")
    + _override("/docProps/app.xml", "extended-properties")
    + "</Types>"
)
_ROOT_RELS = _relationships(
    ("officeDocument", "xl/workbook.xml"), ("extended-properties", "docProps/app.xml")
)
_APP = (
    f'{_XML}<Properties xmlns="{_OOXML}/officeDocument/2006/extended-properties">'
    "<Application>AIMS portal</Application></Properties>"
)
_WORKBOOK_RELS = _relationships(("worksheet", "worksheets/sheet1.xml"), ("styles", "styles.xml"))
# Two cell formats: 0 plain, 1 bold (the header row).
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = (
    f'{_XML}<worksheet xmlns="{_MAIN}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_END = "</sheetData></worksheet>"


def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value) -> str:
    text = "" if value is None else str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text.translate(_ESCAPE)


def sheet_title(title: str) -> str:
    """A sheet name spreadsheet programs accept: no []:*?/\\ and at most 31 characters."""
    return _TITLE_FORBIDDEN.sub(" ", title).strip()[:MAX_TITLE] or "Sheet1"


def write_sheet(title: str, rows: Iterable[list]) -> bytes:
    """The workbook's bytes: ``rows`` (the first is the header) as text cells; an empty
    string or None leaves the cell empty."""
    letters: list[str] = []
    parts = [_SHEET_START]
    for number, row in enumerate(rows, start=1):
        while len(letters) < len(row):
            letters.append(_column_letters(len(letters)))
        style = ' s="1"' if number == 1 else ""
        cells = [
            f'<c r="{letters[i]}{number}"{style} t="inlineStr"><is><t xml:space="preserve">'
            f"{_text(value)}</t></is></c>"
            for i, value in enumerate(row)
            if value is not None and value != ""
        ]
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    parts.append(_SHEET_END)
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<sheets><sheet name={quoteattr(sheet_title(title))} sheetId="1" '
        'r:id="rId1"/></sheets></workbook>'
    )
    buffer = io.BytesIO()
    # Level 1: the sheet is repetitive XML; higher levels cost time and save little.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("docProps/app.xml", _APP)
        book.writestr("xl/workbook.xml", workbook)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        book.writestr("xl/worksheets/sheet1.xml", "".join(parts))
    return buffer.getvalue()
