"""CSV export of a record table: what the list shows, every page, formulas neutralised."""

import csv
import io

from django.http import HttpResponse

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def csv_response(table, filename, exclude_columns=()):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table.as_values(exclude_columns=exclude_columns):
        writer.writerow([neutralise(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
