"""Exports: an impact assessment as a PDF for sign-off or a Word file, rendered by the worker
(assessments.tasks); the risk register's CSV and XLSX come from aims_portal.records.export."""

from django.template.loader import render_to_string
from django.utils import timezone

from aims_portal import docx

from . import figures
from .selectors import scoring_method


def assessment_data(assessment, user):
    """What the impact assessment's PDF and Word file print (one builder for both)."""
    method = scoring_method()
    impacts = list(assessment.impacts.all())
    return {
        "a": assessment,
        "method": method,
        "impact_rows": figures.impact_rows(impacts, method),
        "impact_maps": figures.impact_heat_maps(impacts, method),
        "generated_at": timezone.now(),
        "generated_by": user,
    }


def assessment_pdf(assessment, user):
    """The assessment rendered by WeasyPrint, with document control on every page."""
    from weasyprint import HTML

    html = render_to_string("assessments/assessment_pdf.html", assessment_data(assessment, user))
    return HTML(string=html, base_url=None).write_pdf()


def _day(value):
    return value.strftime("%d %b %Y").lstrip("0") if value else ""


TIMES = "\u00d7"  # the multiplication sign the PDF prints


def _score(likelihood, severity, score, level):
    return f"L{likelihood} {TIMES} S{severity} = {score} {level['label']}" if level else "—"


def assessment_docx(assessment, user):
    """The same assessment as a Word document, section by section as in the PDF."""
    data = assessment_data(assessment, user)
    a = data["a"]
    title = f"AI system impact assessment: {a.system.name}"
    document = docx.new_document(
        header=f"{a.reference} revision {a.revision}",
        footer=f"Generated from the AIMS portal by {user} on "
        f"{timezone.localtime(data['generated_at']):%d %b %Y %H:%M}",
    )
    document.add_heading(title, level=0)
    document.add_heading("Document control", level=1)
    previous = f" (replaces revision {a.previous.revision})" if a.previous else ""
    submitted = f"{a.submitted_by}, {_day(a.submitted_at)}" if a.submitted_by else "Not submitted"
    docx.key_values(
        document,
        [
            ("Document ID", a.reference),
            ("Revision", f"{a.revision}{previous}"),
            ("Status", a.get_status_display()),
            ("AI system", f"{a.system.name} ({a.system.slug})"),
            ("Owner", a.owner),
            ("Submitted by", submitted),
            ("Approver", a.approver or "Not approved"),
            ("Approval date", _day(a.approved_at)),
            ("Next review", _day(a.next_review)),
            ("Record version", f"{a.version} (last changed {a.updated_at:%d %b %Y %H:%M})"),
        ],
    )
    if a.status != "approved":
        docx.paragraph(
            document,
            "This revision is not approved: it is a working copy, not the signed-off assessment.",
            bold=True,
        )
    if a.needs_reassessment:
        docx.paragraph(document, f"Needs re-assessment. {a.reassessment_reason}", bold=True)
    document.add_heading("1. System context", level=1)
    docx.key_values(
        document,
        [
            ("Intended purpose", a.purpose),
            ("Intended users", a.intended_users),
            ("Deployment environment", a.environment),
            ("Data flows", a.data_flows),
        ],
    )
    document.add_heading("2. Affected parties", level=1)
    docx.key_values(
        document,
        [
            ("Direct users", a.direct_users),
            ("Third parties", a.third_parties),
            ("Vulnerable groups", a.vulnerable_groups),
        ],
    )
    document.add_heading("3. Impacts", level=1)
    if data["impact_rows"]:
        rows = []
        for n, row in enumerate(data["impact_rows"], start=1):
            i = row["impact"]
            mitigations = "\n".join(
                text
                for text in (
                    i.technical_mitigations and f"Technical: {i.technical_mitigations}",
                    i.procedural_mitigations and f"Procedural: {i.procedural_mitigations}",
                )
                if text
            )
            rows.append(
                (
                    n,
                    f"{i.get_category_display()} ({i.get_direction_display().lower()})",
                    i.description,
                    _score(i.likelihood, i.severity, i.score, row["level"]),
                    mitigations,
                    _score(
                        i.residual_likelihood,
                        i.residual_severity,
                        i.residual_score,
                        row["residual_level"],
                    ),
                )
            )
        docx.data_table(
            document, ["#", "Category", "Impact", "Before", "Mitigations", "After"], rows
        )
    else:
        docx.paragraph(document, "No impacts described.")
    document.add_heading("4. Impact matrix", level=1)
    docx.paragraph(
        document,
        f"Scores are likelihood {TIMES} severity under the scoring method “{data['method'].name}”; "
        "the PDF draws the inherent and residual matrices.",
    )
    document.add_heading("5. Decision", level=1)
    docx.key_values(
        document,
        [
            ("Decision", a.get_decision_display()),
            ("Rationale", a.decision_rationale),
            ("Next review", _day(a.next_review)),
        ],
    )
    document.add_heading("6. Sign-off", level=1)
    docx.data_table(
        document,
        ["Role", "Name", "Date"],
        [
            ("Prepared by (owner)", a.owner, _day(a.submitted_at)),
            ("Approved by", a.approver or "", _day(a.approved_at)),
        ],
    )
    return docx.to_bytes(document)
