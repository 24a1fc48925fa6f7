"""List exports read from query values: every record list's CSV and XLSX hold exactly what
the table says (django-tables2's own cell values), with formulas neutralised, in a number
of queries that does not grow with the rows."""

import csv
import io
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django_tables2 import RequestConfig
from openpyxl import load_workbook

from aims_portal.records import registered_types
from aims_portal.records.export import neutralise, table_rows
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db
TYPES = sorted(registered_types(), key=lambda rt: rt.model._meta.label)


def _table(rt, user, query=""):
    request = RequestFactory().get(f"/{rt.url_path}/?{query}")
    request.user = user
    table = rt.table_class(rt.queryset())
    RequestConfig(request, paginate=False).configure(table)
    return table


def _as_text(rows):
    return [[neutralise(cell) for cell in row] for row in rows]


class ExportsMatchTables(TestCase):
    """On the demo data, every list: the export rows equal django-tables2's own values."""

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        cls.lead = get_user_model().objects.get(username="lead")

    def test_every_list_exports_what_the_table_shows(self):
        for rt in TYPES:
            with self.subTest(rt.url_path):
                table = _table(rt, self.lead)
                expected = _as_text(table.as_values(exclude_columns=("actions",)))
                got = _as_text(table_rows(_table(rt, self.lead), exclude_columns=("actions",)))
                self.assertGreater(len(expected), 1, "the demo fills every list")
                self.assertEqual(got, expected)

    def test_sorted_export_keeps_the_lists_order(self):
        rt = next(r for r in TYPES if r.model is AISystem)
        rows = list(table_rows(_table(rt, self.lead, "sort=-name"), exclude_columns=("actions",)))
        names = [row[1] for row in rows[1:]]
        self.assertEqual(names, sorted(names, reverse=True))
        self.assertGreater(len(names), 3)


def _csv(response):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_csv_and_xlsx_of_systems_say_the_same(client_for, lead):
    factories.ai_system(lead, name="=HYPERLINK(1)", slug="formula")
    factories.ai_system(lead, name="Plain", slug="plain")
    client = client_for(lead)
    rows = _csv(client.get("/inventory/systems/?_export=csv&sort=name"))
    response = client.get("/inventory/systems/?_export=xlsx&sort=name")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == rows
    assert rows[0][:2] == ["ID", "Name"]
    assert [r[1] for r in rows if "HYPERLINK" in r[1]] == ["'=HYPERLINK(1)"]
    # ISO dates in the review column, as before
    review = rows[0].index("Next review")
    assert all(r[review] == "" or r[review][4] == "-" for r in rows[1:])


def test_unknown_export_format_is_refused(client_for, lead):
    assert client_for(lead).get("/inventory/systems/?_export=pdf").status_code == 400


def test_export_needs_the_export_grant(client_for, make_user):
    nobody = make_user()
    assert client_for(nobody).get("/inventory/systems/?_export=xlsx").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", ["/inventory/systems/", "/assessments/risks/"])
def test_export_queries_do_not_grow_with_rows(client_for, lead, fmt, url):
    client = client_for(lead)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{url}?_export={fmt}").status_code == 200
        return len(queries)

    factories.ai_system(lead, slug="first")
    factories.risk(lead)
    small = count()
    for n in range(6):
        factories.ai_system(lead, slug=f"more-{n}")
        factories.risk(lead)
    assert count() == small


def test_xlsx_header_is_bold_and_frozen_and_control_characters_are_dropped(client_for, lead):
    factories.ai_system(lead, name="Bell\x07 & <tag>", slug="bell")
    response = client_for(lead).get("/inventory/systems/?_export=xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "AI systems"
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["B2"].value == "Bell & <tag>"


def test_computed_columns_are_read_from_query_values(client_for, lead):
    """Risks list their systems (many-to-many) and actions their due state: no cell needs a
    model instance, so the export runs the same queries at 1 and 7 risks (above) and reads
    the same cells as the page."""
    from aims_portal.records.export import _plan

    for rt in TYPES:
        table = rt.table_class(rt.queryset())
        computed = [
            c.bound.name for c in _plan(table, ("actions",)) if not c.path and not c.declared
        ]
        assert computed == [], rt.url_path
