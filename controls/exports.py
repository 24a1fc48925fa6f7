"""Rendering the SoA (current draft or a frozen revision) as PDF, CSV or XLSX.

Every format prints the same document data, built once by ``document_data``; text from users
is escaped by the template engine (PDF) and neutralised against formula injection (CSV,
XLSX)."""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from aims_portal.records.export import neutralise

from . import selectors
from .catalogue import soa_document
from .models import SoARevision

COLUMNS = [
    ("ref", "Control"),
    ("title", "Title"),
    ("group", "Group"),
    ("applicability_label", "Applicability"),
    ("justification", "Justification"),
    ("implementation_label", "Implementation"),
    ("owner", "Owner"),
    ("systems", "AI systems"),
    ("evidence", "Evidence references"),
    ("last_reviewed", "Last reviewed"),
]


def document_data(revision=None, *, generated_by=None):
    """What an export prints: document control (title and scope as approved in the
    revision, or as they are now for the draft), entries and the change list."""
    soa = soa_document()
    history = list(selectors.revisions().order_by("number"))
    if revision is not None:
        frozen = SoARevision.objects.only("entries", "changes").get(pk=revision.pk)
        rows, changes = frozen.entries, frozen.changes
        document = selectors.revision_document(revision)
        label = f"Revision {revision.number}"
        history = [r for r in history if r.number <= revision.number]
    else:
        rows = selectors.current_snapshot()
        document = selectors.document_fields(soa)
        latest = history[-1] if history else None
        previous = SoARevision.objects.only("entries").get(pk=latest.pk).entries if latest else []
        changes = [
            *selectors.document_changes(latest and selectors.revision_document(latest), document),
            *selectors.snapshot_changes(previous, rows),
        ]
        label = f"Draft (after revision {latest.number})" if latest else "Draft (no revision yet)"
    rows = selectors.labelled(rows)
    groups = selectors.progress_by_group(rows)
    return {
        "soa": soa,
        "document": document,
        "revision": revision,
        "label": label,
        "rows": rows,
        "groups": groups,
        "overall": selectors.overall_progress(groups),
        "changes": changes,
        "history": history,
        "generated_at": timezone.now(),
        "generated_by": generated_by,
    }


def _cell(row, key):
    value = row.get(key)
    if isinstance(value, list):
        return "; ".join(value)
    return value or ""


def render_csv(data):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    for row in data["rows"]:
        writer.writerow([neutralise(_cell(row, key)) for key, _ in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def render_xlsx(data):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "SoA"
    sheet.append([f"{data['document']['title']} — {data['label']}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in data["rows"]:
        # Strings only, neutralised: a cell typed "=HYPERLINK(...)" stays text.
        sheet.append([neutralise(_cell(row, key)) for key, _ in COLUMNS])
    for column, width in zip("ABCDEFGHIJ", (10, 40, 8, 14, 60, 20, 20, 30, 40, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    changes = book.create_sheet("Changes")
    changes.append(["Control", "Title", "Field", "Before", "After"])
    for change in data["changes"]:
        changes.append([neutralise(change[k]) for k in ("ref", "title", "field", "old", "new")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_html(data):
    return render_to_string("controls/soa_pdf.html", data)


def render_pdf(data, progress=lambda percent: None):
    from weasyprint import HTML

    html = render_html(data)
    progress(30)
    document = HTML(string=html, base_url=None).render()
    progress(80)
    return document.write_pdf()


def filename(job_format, revision=None):
    what = f"revision-{revision.number}" if revision else "draft"
    stamp = timezone.localdate().isoformat()
    return f"soa-{what}-{stamp}.{job_format}"
