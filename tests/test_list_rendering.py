"""List pages are drawn the fast way and must look the same as the slow way.

- The table head and body are each written in one pass (aims_portal/records/table_body.py):
  each registered list is loaded on the demo data, in an order it offers, and its head and
  body compared with those the installed django-tables2 template renders for the table.
- The filter boxes are drawn by Jinja2 from Django's widget templates: each list's filter
  form, bound to a query that fills every box, is compared with the same form drawn by
  Django's default renderer."""

import re
from io import StringIO
from itertools import count
from pathlib import Path
from unittest import mock

import django_tables2
import pytest
from django.core.management import call_command
from django.forms.renderers import DjangoTemplates
from django.template import Context, engines
from django.test import RequestFactory, TestCase

from aims_portal.models import User
from aims_portal.records import registered_types
from aims_portal.records.filters import FILTER_RENDERER
from aims_portal.records.table_body import table_body

UPSTREAM_TEMPLATE = (
    Path(django_tables2.__file__).parent / "templates" / "django_tables2" / "bootstrap5.html"
)


def upstream_block(name):
    """django-tables2's own ``table.<name>`` block, read from the installed package."""
    source = UPSTREAM_TEMPLATE.read_text()
    block = re.search(
        rf"{{% block table\.{name} %}}(.*?){{% endblock table\.{name} %}}", source, re.DOTALL
    )
    assert block, f"django-tables2's template no longer has a table.{name} block"
    return engines["django"].from_string("{% load django_tables2 i18n l10n %}" + block.group(1))


def normalised(html):
    """The markup without the template's indentation: whitespace next to a tag goes, and
    any other run becomes one space."""
    html = re.sub(r">\s+", ">", html.strip())
    html = re.sub(r"\s+<", "<", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s+>", ">", html)


def section_of(page, tag):
    found = re.search(rf"<{tag}.*?</{tag}>", page, re.DOTALL)
    assert found, f"the page has no {tag}"
    return found.group(0)


def tbody_of(page):
    return section_of(page, "tbody")


class TableBodyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        cls.admin = User.objects.get(username="admin")

    def setUp(self):
        self.client.force_login(self.admin)
        self.upstream = upstream_block("tbody")
        self.upstream_head = upstream_block("thead")

    def check(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if "table" not in response.context:
            return None  # a page of its own (the SoA), not a django-tables2 list
        table = response.context["table"]
        table._counter = count()  # rows count from zero again, as in a fresh render
        for column in table.columns:
            # Columns keep what they wrote for this table (formatted dates, badges): dropped,
            # so that django-tables2 below works out every cell itself.
            for memo in ("_plan", "_seen", "_badges"):
                column.column.__dict__.pop(memo, None)
        page = response.content.decode()
        expected = self.upstream.render({"table": table}, request=response.wsgi_request)
        assert normalised(tbody_of(page)) == normalised(expected), url
        expected = self.upstream_head.render({"table": table}, request=response.wsgi_request)
        assert normalised(section_of(page, "thead")) == normalised(expected), url
        return table

    def test_every_list_writes_the_rows_django_tables2_writes(self):
        checked, own_pages = 0, []
        for rt in registered_types():
            with self.subTest(list=rt.list_url):
                table = self.check(rt.list_url)
                if table is None:
                    own_pages.append(rt.list_url)
                    continue
                rows = len(table.page.object_list) if table.page else 0
                # Each order the table offers, by its first orderable column.
                for column in table.columns:
                    if column.orderable:
                        self.check(f"{rt.list_url}?sort=-{column.name}")
                        break
                checked += rows > 0
        # The demo data fills most lists: the comparison saw real cells, not empty tables.
        assert checked >= 20, checked
        assert own_pages == ["/controls/soa/"]

    def test_an_empty_table_writes_its_empty_text(self):
        rt = next(rt for rt in registered_types() if rt.list_url == "/inventory/systems/")
        table = rt.table_class(rt.model.objects.none())
        table.paginate(per_page=25)
        request = RequestFactory().get(rt.list_url)
        expected = self.upstream.render({"table": table}, request=request)
        body = table_body(table, Context({"table": table}))
        assert "No AI systems match." in body
        assert normalised(body) == normalised(expected)

    def test_the_body_is_safe_markup_with_escaped_values(self):
        from registry.models import AISystem

        first = AISystem.objects.order_by("pk").values_list("pk", flat=True)[0]
        AISystem.objects.filter(pk=first).update(name="<script>alert(1)</script>")
        response = self.client.get("/inventory/systems/?q=alert")
        body = tbody_of(response.content.decode())
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert" not in body
        table = response.context["table"]
        assert str(table_body(table, Context({"table": table}))).startswith("<tbody")

    def test_a_models_own_display_method_is_used_for_its_choice_cells(self):
        """Choice labels are looked up once per table only where the model keeps Django's
        own get_FOO_display; a method of the model's own is called for every cell."""
        from registry.models import AISystem

        rt = next(rt for rt in registered_types() if rt.list_url == "/inventory/systems/")
        table = rt.table_class(AISystem.objects.order_by("pk"))
        table.paginate(per_page=5)
        default = str(table_body(table, Context({"table": table})))
        assert AISystem.Stage(AISystem.objects.order_by("pk")[0].stage).label in default

        def own_display(system):
            return f"Stage: {system.stage}"

        with mock.patch.object(AISystem, "get_stage_display", own_display, create=True):
            table = rt.table_class(AISystem.objects.order_by("pk"))
            table.paginate(per_page=5)
            body = str(table_body(table, Context({"table": table})))
            request = RequestFactory().get("/")
            table._counter = count()  # rows count from zero again, as in a fresh render
            expected = self.upstream.render({"table": table}, request=request)
        assert "Stage: " in body
        assert normalised(body) == normalised(expected)

    def test_every_filter_box_is_drawn_as_django_draws_it(self):
        default = DjangoTemplates()
        compared = 0
        for rt in registered_types():
            with self.subTest(list=rt.list_url):
                response = self.client.get(rt.list_url)
                filterset = response.context.get("filterset")
                if filterset is None:
                    continue
                # Bound to a value for every box: chosen options and typed text drawn too.
                data = {}
                for name, field in filterset.form.fields.items():
                    choices = list(getattr(field, "choices", ()))
                    values = [value for value, _ in choices if value not in ("", None)]
                    data[name] = str(values[-1]) if values else "1"
                form = type(filterset)(data, queryset=filterset.queryset).form
                assert form.renderer is FILTER_RENDERER
                drawn = {field.name: str(field) for field in form}
                form.renderer = default
                for field in form:
                    expected = field.as_widget()
                    assert normalised(drawn[field.name]) == normalised(expected), (
                        rt.list_url,
                        field.name,
                    )
                    assert re.search(r'class="[^"]*form-(select|control|check)', expected)
                    compared += 1
        assert compared >= 100, compared


pytestmark = pytest.mark.django_db
