"""Exports: the risk register as XLSX and an impact assessment as a PDF for sign-off."""

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from aims_portal.records.export import neutralise

from .selectors import scoring_method

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(table, filename, *, title):
    """The table as shown (every page), one header row, formulas neutralised."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    for n, row in enumerate(table.as_values(exclude_columns=("actions",))):
        sheet.append([neutralise(cell) for cell in row])
        if n == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def assessment_pdf(assessment, request):
    """The assessment rendered by WeasyPrint, with document control on every page."""
    from weasyprint import HTML

    from .views import _impact_rows, impact_heat_maps

    method = scoring_method()
    impacts = list(assessment.impacts.all())
    html = render_to_string(
        "assessments/assessment_pdf.html",
        {
            "a": assessment,
            "method": method,
            "impact_rows": _impact_rows(impacts, method),
            "impact_maps": impact_heat_maps(impacts, method),
            "generated_at": timezone.now(),
            "generated_by": request.user,
        },
    )
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
