"""The audit report and the management-review minutes as PDF (WeasyPrint, with the same SVG
charts as the pages) and as Word (python-docx).

One data builder per document (``audit_report_data``, ``review_minutes_data``) feeds both
the PDF template and the DOCX writer, so the two formats say the same thing. Both are
rendered by a background job (audits.tasks), never inside a request."""

from django.template.loader import render_to_string
from django.utils import timezone

from aims_portal import docx

from . import selectors
from .charts import review_charts


def _date(value, fmt="%d %B %Y"):
    return value.strftime(fmt).lstrip("0") if value else ""


# --- the audit report --------------------------------------------------------------------------


def audit_report_data(audit, user):
    lines = list(selectors.checklist(audit))
    return {
        "audit": audit,
        "lines": lines,
        "result_counts": selectors.result_counts(lines),
        "findings": list(
            audit.findings.prefetch_related("corrective_actions").order_by("reference")
        ),
        "requirements": list(audit.requirements.order_by("sort_key")),
        "controls_audited": list(audit.controls.order_by("sort_key")),
        "systems": list(audit.systems.order_by("name")),
        "team": selectors.audit_team(audit),
        "generated_at": timezone.now(),
        "generated_by": user,
    }


def audit_report_pdf(data):
    return _pdf("audits/audit_report_pdf.html", data)


def audit_report_docx(data):
    audit = data["audit"]
    title = f"Internal audit report {audit.reference}"
    document = docx.new_document(header=title, footer=_generated(data))
    document.add_heading(title, level=0)
    docx.paragraph(document, f"{audit.title} — {audit.programme}", italic=True)
    carried = _date(audit.started_at) or "not started"
    if audit.completed_at:
        carried += f" to {_date(audit.completed_at)}"
    team = [str(p) + (" (lead)" if n == 0 else "") for n, p in enumerate(data["team"])]
    docx.key_values(
        document,
        [
            ("Status", audit.get_status_display()),
            ("Planned", f"{_date(audit.planned_start)} to {_date(audit.planned_end)}"),
            ("Carried out", carried),
            ("Audit team", ", ".join(team)),
        ],
    )
    document.add_heading("Scope", level=1)
    docx.paragraph(document, audit.scope)
    systems = ", ".join(s.name for s in data["systems"]) or "none named"
    docx.paragraph(document, f"AI systems in scope: {systems}.")
    document.add_heading("Criteria", level=1)
    requirements = "; ".join(f"{r.ref} {r.title}" for r in data["requirements"]) or "none"
    controls = "; ".join(f"{c.ref} {c.title}" for c in data["controls_audited"]) or "none"
    docx.paragraph(document, f"Clause requirements: {requirements}.")
    docx.paragraph(document, f"Annex A controls: {controls}.")
    document.add_heading("Checklist", level=1)
    docx.paragraph(
        document, " · ".join(f"{row['label']}: {row['count']}" for row in data["result_counts"])
    )
    docx.data_table(
        document,
        ["Criterion", "Result", "Notes", "Assessed by"],
        (
            (f"{line.ref} {line.title}", line.get_result_display(), line.notes, line.assessed_by)
            for line in data["lines"]
        ),
    )
    document.add_heading("Findings", level=1)
    for finding in data["findings"]:
        document.add_heading(
            f"{finding.reference} — {finding.get_kind_display()}: {finding.title}", level=2
        )
        actions = "; ".join(
            f"{a.reference} {a.title} ({a.get_status_display().lower()}, "
            f"due {_date(a.due_date, '%d %b %Y')})"
            for a in finding.corrective_actions.all()
        )
        docx.key_values(
            document,
            [
                ("Against", finding.requirement_ref),
                ("Description", finding.description),
                ("Objective evidence", finding.evidence_summary),
                ("Status", finding.get_status_display()),
                ("Corrective actions", actions or "none"),
            ],
        )
    if not data["findings"]:
        docx.paragraph(document, "No findings were raised.")
    document.add_heading("Conclusion", level=1)
    docx.paragraph(document, audit.conclusion or "Not written yet.")
    return docx.to_bytes(document)


# --- the management review minutes -------------------------------------------------------------


def review_minutes_data(review, user):
    figures = selectors.review_inputs(review)
    return {
        "review": review,
        "figures": figures,
        "frozen": review.is_completed,
        **review_charts(figures),
        "attendees": list(review.attendees.order_by("username")),
        "review_actions": list(review.actions.select_related("owner").order_by("reference")),
        "generated_at": timezone.now(),
        "generated_by": user,
    }


def review_minutes_pdf(data):
    return _pdf("audits/review_minutes_pdf.html", data)


def review_minutes_docx(data):
    review, figures = data["review"], data["figures"]
    title = f"Management review minutes {review.reference}"
    document = docx.new_document(header=title, footer=_generated(data))
    document.add_heading(title, level=0)
    docx.paragraph(document, review.title, italic=True)
    attendees = [str(p) for p in data["attendees"]]
    if review.other_attendees:
        attendees.append(review.other_attendees)
    if data["frozen"]:
        status = (
            f"Completed by {review.completed_by} on "
            f"{_date(review.completed_at, '%d %B %Y %H:%M')}; figures frozen at completion"
        )
    else:
        status = (
            "In preparation: figures are live as of "
            f"{_date(data['generated_at'], '%d %B %Y %H:%M')}"
        )
    docx.key_values(
        document,
        [
            ("Meeting date", _date(review.meeting_date)),
            ("Chair", review.chair),
            ("Attendees", ", ".join(attendees)),
            ("Status", status),
        ],
    )
    document.add_heading("Figures", level=1)
    previous = figures.get("previous_review")
    if previous:
        docx.paragraph(
            document,
            f"Previous review: {previous['reference']} of {previous['meeting_date']}.",
        )
        docx.data_table(
            document,
            ["Action", "Owner", "Due", "Status"],
            (
                (
                    f"{a['reference']} {a['title']}",
                    a["owner"],
                    a["due_date"],
                    a["status_label"] + (" — overdue" if a.get("overdue") else ""),
                )
                for a in figures.get("previous_actions") or []
            ),
        )
    else:
        docx.paragraph(
            document,
            "This is the first management review recorded; figures below cover the twelve "
            f"months since {figures['since']}.",
        )
    document.add_heading("Nonconformities and corrective actions", level=2)
    docx.data_table(
        document,
        ["Finding type", "Open", "All time"],
        ((r["label"], r["open"], r["total"]) for r in figures["findings"]),
    )
    actions = figures["actions"]
    docx.data_table(
        document,
        ["Corrective actions", "Count"],
        [
            *((r["label"], r["count"]) for r in actions["by_status"]),
            ("Overdue", actions["overdue"]),
        ],
    )
    document.add_heading("Audit results", level=2)
    docx.data_table(
        document,
        ["Audit", "Status", "Completed", "Lines conforming", "Major", "Minor", "Obs.", "OFI"],
        (
            (
                f"{a['reference']} {a['title']}",
                a["status_label"],
                a["completed_at"],
                f"{a['conforming']} of {a['lines']}",
                a["major"],
                a["minor"],
                a["observations"],
                a["improvements"],
            )
            for a in figures["audits"]
        ),
    )
    document.add_heading("Risks and the Statement of Applicability", level=2)
    docx.data_table(
        document,
        ["Risks by status", "Count"],
        ((r["label"], r["count"]) for r in figures["risks"]["by_status"]),
    )
    soa = figures["soa"]
    docx.data_table(
        document,
        [f"SoA ({soa['total']} controls)", "Controls"],
        [
            ("Implemented", soa["implemented"]),
            ("Partially implemented", soa["partial"]),
            ("Applicable, planned or not started", soa["planned"]),
            ("Excluded", soa["excluded"]),
            ("Not yet decided", soa["undecided"]),
        ],
    )
    document.add_heading("AI incidents", level=2)
    docx.data_table(
        document,
        ["Severity", "Still open", f"Detected since {figures['since']}"],
        ((r["label"], r["open"], r["since"]) for r in figures["incidents"]),
    )
    document.add_heading("Inputs written for the review", level=1)
    for heading, value in (
        ("Changes in external and internal issues", review.changes_in_issues),
        ("Feedback from interested parties", review.interested_parties_feedback),
        ("Performance against AI objectives", review.objectives_performance),
        ("Opportunities for improvement", review.improvement_opportunities),
    ):
        document.add_heading(heading, level=2)
        docx.paragraph(document, value)
    document.add_heading("Decisions", level=1)
    docx.paragraph(document, review.decisions)
    document.add_heading("Actions", level=1)
    if data["review_actions"]:
        docx.data_table(
            document,
            ["ID", "Action", "Owner", "Due", "Status"],
            (
                (
                    a.reference,
                    a.title,
                    a.owner,
                    _date(a.due_date, "%d %b %Y"),
                    a.get_status_display(),
                )
                for a in data["review_actions"]
            ),
        )
    else:
        docx.paragraph(document, "No actions were decided.")
    return docx.to_bytes(document)


# --- shared ------------------------------------------------------------------------------------


def _generated(data):
    stamp = timezone.localtime(data["generated_at"]).strftime("%d %b %Y %H:%M")
    return f"Generated {stamp} by {data['generated_by']} from the AIMS portal"


def _pdf(template, context, progress=lambda percent: None):
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context), base_url=None).write_pdf()
