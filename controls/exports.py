"""Rendering the SoA (current draft or a frozen revision) as PDF, CSV or XLSX, and the
documented-information list as PDF.

Every format prints the same document data, built once by ``document_data``; text from users
is escaped by the template engine (PDF) and neutralised against formula injection (CSV,
XLSX)."""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone

from aims_portal.records.export import neutralise

from . import documented_information, selectors
from .catalogue import soa_document
from .models import SoARevision

COLUMNS = [
    ("ref", "Control"),
    ("title", "Title"),
    ("group", "Group"),
    ("applicability_label", "Applicability"),
    ("justification", "Justification"),
    ("inclusion_labels", "Inclusion reasons"),
    ("exclusion_labels", "Exclusion reasons"),
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
    evidence = selectors.evidence_documents()
    for row in rows:
        row["documents"] = evidence.get(row["ref"], [])
    groups = selectors.progress_by_group(rows)
    settings = selectors.document_settings()
    return {
        "settings": settings,
        "logo": _logo_data_uri(settings),
        "document_id": settings.soa_document_id,
        "version": f"Revision {revision.number}" if revision is not None else label,
        "approved": revision is not None,
        "legend": LEGEND,
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


# What each column of the SoA table means, printed under the table (PDF and Word).
LEGEND = [
    ("Control", "The Annex A control ID (or an additional control of ours) and its short title."),
    (
        "Applicability",
        "Applicable: the control is part of our AIMS. Excluded: it is not needed, and the "
        "justification says why. Not yet decided: no position taken yet.",
    ),
    (
        "Reasons",
        "Inclusion reasons, for an applicable control: risk treatment (it treats a risk of the "
        "register), legal or regulatory requirement, contractual obligation, or good practice "
        "or business need. Exclusion reasons, for an excluded control: no assessed risk calls "
        "for it, the activity is outside the AIMS scope, a supplier or customer carries it "
        "out, or another control or management system covers it.",
    ),
    ("Justification", "Our own words on why the control is included or excluded."),
    (
        "Implementation",
        "Not started, planned, partially implemented or implemented, with the date the entry "
        "was last reviewed.",
    ),
    ("Owner", "The person accountable for the control."),
    (
        "Evidence",
        "Controlled documents linked to the control, by ID, title and version, with the "
        "SHA-256 of the file held in the portal (a reader can hash their copy and compare), "
        "then the other references recorded on the entry (documents, tickets, URLs).",
    ),
]

CHANGES_EXPLAINED = (
    "Each line is one field of one control that differs from the previous approved revision "
    "(or, for a draft, from the latest approved revision): the value before and after. A "
    "control added to the catalogue reads “Added”; a change of the SoA's title or scope is "
    "listed under “SoA”. The revision history's “Changes” column counts these lines."
)


def _logo_data_uri(settings):
    """The logo inline (WeasyPrint reads no files of ours by URL), or None."""
    if not settings.logo:
        return None
    import base64

    with settings.logo.open("rb") as logo:
        content = logo.read()
    kind = "png" if content.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(content).decode()}"


def _cell(row, key):
    value = row.get(key)
    if isinstance(value, list):
        return "; ".join(value)
    return value or ""


def render_docx(data):
    """The SoA as a Word document: the same document data, in the PDF's order."""
    from aims_portal import docx

    settings, document = data["settings"], data["document"]
    title = document["title"]
    doc = docx.new_document(
        landscape=True,
        header=f"{settings.organisation_name} · {data['document_id']} · {data['version']} · "
        f"{settings.get_classification_display()}",
        footer=f"Generated {data['generated_at']:%d %b %Y %H:%M}"
        + (f" by {data['generated_by']}" if data["generated_by"] else ""),
    )
    if not data["approved"]:
        docx.paragraph(doc, "DRAFT — not approved", bold=True, size=16)
    if data["logo"]:
        import base64
        import io

        raw = base64.b64decode(data["logo"].split(",", 1)[1])
        doc.add_picture(io.BytesIO(raw), height=docx.Cm(2))
    docx.paragraph(doc, settings.organisation_name, bold=True, size=14)
    doc.add_heading(title, level=0)
    docx.paragraph(doc, f"ISO/IEC 42001:2023 Annex A — {data['label']}", italic=True)
    doc.add_heading("Document control", level=1)
    overall = data["overall"]
    docx.key_values(doc, _control_rows(data, overall))
    doc.add_heading("Approval", level=1)
    docx.key_values(doc, _approval_rows(data))
    doc.add_heading("Revision history", level=1)
    if data["history"]:
        docx.data_table(
            doc,
            ["Revision", "Approved on", "Approved by", "Submitted by", "Changes"],
            (
                (
                    r.number,
                    f"{r.approved_at:%d %b %Y}",
                    r.approved_by,
                    r.submitted_by,
                    f"{len(r.changes)} field change(s)",
                )
                for r in data["history"]
            ),
        )
    else:
        docx.paragraph(doc, "No revision has been approved yet.")
    doc.add_heading("Controls, applicability and implementation", level=1)
    docx.data_table(
        doc,
        [
            "Control",
            "Applicability",
            "Reasons",
            "Justification",
            "Implementation",
            "Owner",
            "Evidence",
        ],
        (
            (
                f"{row['ref']} {row['title']}",
                row["applicability_label"],
                "; ".join(row["reason_labels"]),
                row["justification"],
                row["implementation_label"]
                + (f" (reviewed {row['last_reviewed']})" if row["last_reviewed"] else ""),
                row["owner"],
                "\n".join(
                    [
                        *(
                            f"{d['ref']} {d['title']} v{d['version']}"
                            + (f" SHA-256 {d['sha256']}" if d["sha256"] else " (no file)")
                            for d in row["documents"]
                        ),
                        *row["evidence"],
                    ]
                ),
            )
            for row in data["rows"]
        ),
    )
    doc.add_heading("Legend", level=2)
    docx.data_table(doc, ["Column", "Meaning"], data["legend"])
    doc.add_heading(_changes_heading(data), level=1)
    docx.paragraph(doc, CHANGES_EXPLAINED, italic=True)
    if data["changes"]:
        docx.data_table(
            doc,
            ["Control", "Field", "Before", "After"],
            ((c["ref"], c["field"], c["old"], c["new"]) for c in data["changes"]),
        )
    else:
        docx.paragraph(doc, "No changes.")
    return docx.to_bytes(doc)


def _control_rows(data, overall):
    settings, document = data["settings"], data["document"]
    return [
        ("Organisation", settings.organisation_name),
        ("Document ID", data["document_id"]),
        ("Version", data["version"]),
        ("Status", "Approved" if data["approved"] else "Draft — not approved"),
        ("Classification", settings.get_classification_display()),
        ("Distribution", settings.distribution),
        ("Scope", document["scope"]),
        (
            "Controls",
            f"{overall.total} in total: {overall.applicable} applicable, "
            f"{overall.excluded} excluded, {overall.undecided} not yet decided; "
            f"{overall.implemented} implemented, {overall.partial} partially",
        ),
    ]


def _approval_rows(data):
    revision = data["revision"]
    if revision is None:
        return [
            ("Approved by", "Not approved: this is a draft"),
            ("Date", ""),
            ("Signature", "_" * 40),
        ]
    return [
        ("Approved by", revision.approved_by),
        ("Date", f"{revision.approved_at:%d %B %Y}"),
        ("Submitted by", revision.submitted_by),
        ("Approval note", revision.approval_note),
        ("Signature", "_" * 40),
    ]


def _changes_heading(data):
    revision = data["revision"]
    if revision is None:
        return "Changes since the last approved revision"
    if revision.number == 1:
        return "Changes: first approved revision"
    return f"Changes since revision {revision.number - 1}"


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
    widths = (10, 40, 8, 14, 60, 30, 20, 20, 30, 40, 14)
    for column, width in zip("ABCDEFGHIJK", widths, strict=True):
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
    return render_to_string(
        "controls/soa_pdf.html",
        {
            **data,
            "control_rows": _control_rows(data, data["overall"]),
            "approval_rows": _approval_rows(data),
            "changes_heading": _changes_heading(data),
            "changes_explained": CHANGES_EXPLAINED,
        },
    )


def render_pdf(data, progress=lambda percent: None):
    from weasyprint import HTML

    html = render_html(data)
    progress(30)
    document = HTML(string=html, base_url=None).render()
    progress(80)
    return document.write_pdf()


RENDERERS = {"csv": render_csv, "xlsx": render_xlsx, "docx": render_docx}


def filename(job_format, revision=None):
    what = f"revision-{revision.number}" if revision else "draft"
    stamp = timezone.localdate().isoformat()
    return f"soa-{what}-{stamp}.{job_format}"


def information_list_pdf(generated_by, progress=lambda percent: None) -> bytes:
    """The documented-information list as it stands now, as a PDF."""
    from weasyprint import HTML

    context = {
        **documented_information.by_stage(),
        "generated_at": timezone.now(),
        "generated_by": generated_by,
    }
    html = render_to_string("controls/documented_information_pdf.html", context)
    progress(40)
    document = HTML(string=html, base_url=None).render()
    progress(80)
    return document.write_pdf()
