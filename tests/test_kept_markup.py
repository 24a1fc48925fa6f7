"""Markup drawn once and kept must be the markup drawn fresh, for whoever asks.

- ``{% kept %}`` (aims_portal/templatetags/kept.py): a kept block is what drawing it again
  gives, each set of values has its own drawing, the URL configuration and script prefix
  are part of the key, and a changed setting forgets every drawing.
- The shell's header is kept per person: each user sees their own name, roles and menu,
  and every page still carries a fresh CSRF token.
- A list's filter form class is made once per filter set (RecordFilterSet.get_form_class),
  yet each form has fields of its own.
- A list's table is drawn by ``{% record_table %}`` in the page's context; its markup is
  the markup django-tables2's ``render_table`` gives with the upstream bootstrap5 template.
"""

import re
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.urls import set_script_prefix

from aims_portal.kept import Kept, frozen, frozen_or_none
from aims_portal.records import registered_types
from aims_portal.records.views import filtered

from . import factories

pytestmark = pytest.mark.django_db

KEPT = Template('{% load kept %}{% kept "probe" name %}<b>{{ name }}</b>{{ extra }}{% endkept %}')


def draw(**context):
    return KEPT.render(Context(context))


def test_a_kept_block_is_drawn_once_per_set_of_values():
    assert draw(name="Ada") == "<b>Ada</b>"
    # Only the values named make the key: the second drawing is the kept one.
    assert draw(name="Ada", extra="ignored") == "<b>Ada</b>"
    assert draw(name="Grace") == "<b>Grace</b>"
    assert draw(name="<i>x</i>") == "<b>&lt;i&gt;x&lt;/i&gt;</b>"


def test_the_type_of_a_value_is_part_of_the_key():
    assert frozen("1") != frozen(1)
    assert frozen(["a"]) != frozen(("a",))
    assert frozen_or_none({"a": [1, {"b": 2}]}) == frozen({"a": [1, {"b": 2}]})
    assert frozen_or_none([{1, 2}]) is None  # a set cannot be a key


def test_a_value_that_cannot_be_a_key_is_drawn_every_time():
    template = Template('{% load kept %}{% kept "probe" things %}{{ things|length }}{% endkept %}')
    assert template.render(Context({"things": [{1}]})) == "1"
    assert template.render(Context({"things": [{1}, {2}]})) == "2"


def test_the_script_prefix_is_part_of_the_key():
    template = Template('{% load kept %}{% kept "probe" %}{% url "home" %}{% endkept %}')
    try:
        assert template.render(Context()) == "/"
        set_script_prefix("/aims/")
        assert template.render(Context()) == "/aims/"
    finally:
        set_script_prefix("/")
    assert template.render(Context()) == "/"


def test_a_changed_setting_forgets_every_drawing():
    template = Template('{% load kept static %}{% kept "probe" %}{% static "a.css" %}{% endkept %}')
    assert template.render(Context()) == "/static/a.css"
    with override_settings(STATIC_URL="/assets/"):
        assert template.render(Context()) == "/assets/a.css"
    assert template.render(Context()) == "/static/a.css"


def test_a_store_stays_bounded():
    kept = Kept(3)
    for number in range(10):
        assert kept.get(number, lambda n=number: f"drawing {n}") == f"drawing {number}"
        assert len(kept) <= 3
    assert kept.get(None, lambda: "fresh") == "fresh"
    assert len(kept) <= 3


def header_of(page):
    found = re.search(r"<header.*?</header>", page, re.DOTALL)
    assert found, "the page has no header"
    return found.group(0)


def csrf_of(header):
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', header)
    assert found, "the logout form has no CSRF token"
    return found.group(1)


def test_each_person_sees_their_own_header(client_for, lead, auditor, admin_user):
    lead.first_name, lead.last_name = "Grace", "Lead"
    lead.save()
    headers = {}
    for user in (lead, auditor, admin_user, lead):
        page = client_for(user).get("/inventory/systems/").content.decode()
        headers.setdefault(user.username, []).append(header_of(page))
    lead_header, again = headers[lead.username]
    auditor_name = auditor.get_full_name() or auditor.username
    assert "Grace Lead" in lead_header and auditor_name not in lead_header
    assert auditor_name in headers[auditor.username][0]
    assert "Administration" in headers[admin_user.username][0]
    assert "Administration" not in lead_header
    assert "Administration" not in headers[auditor.username][0]
    # The same person's header again: the same markup but for a fresh CSRF token.
    assert csrf_of(lead_header) != csrf_of(again)
    assert lead_header.replace(csrf_of(lead_header), "") == again.replace(csrf_of(again), "")


def test_a_renamed_person_sees_the_new_name(client_for, lead):
    client = client_for(lead)
    client.get("/inventory/systems/")
    lead.first_name, lead.last_name = "Renamed", "Person"
    lead.save()
    assert "Renamed Person" in header_of(client.get("/inventory/systems/").content.decode())


def test_the_work_page_header_shows_its_counts(client_for, lead):
    client = client_for(lead)
    listed = header_of(client.get("/inventory/systems/").content.decode())
    counted = header_of(client.get("/my-work/").content.decode())
    assert 'hx-trigger="load"' in listed
    assert 'hx-trigger="load"' not in counted


def test_a_filter_form_class_is_made_once_and_each_form_has_its_own_fields(rf, lead):
    rt = next(rt for rt in registered_types() if rt.list_url == "/inventory/systems/")
    request = rf.get(rt.list_url)
    request.user = lead
    first, second = filtered(rt, request), filtered(rt, request)
    assert type(first.form) is type(second.form)
    assert first.form.fields is not second.form.fields
    for name, field in first.form.fields.items():
        assert field is not second.form.fields[name]
        assert field.widget is not second.form.fields[name].widget
        assert "form-" in field.widget.attrs["class"]
        # The class is given once: forms made later do not add it again.
        assert len(field.widget.attrs["class"].split()) == len(
            set(field.widget.attrs["class"].split())
        )


def test_filter_sets_of_different_record_types_keep_their_own_form_classes(rf, lead):
    forms = {}
    for rt in registered_types():
        request = rf.get(rt.list_url)
        request.user = lead
        filterset = filtered(rt, request)
        forms[rt.list_url] = type(filterset.form)
        assert list(filterset.form.fields) == list(filterset.filters), rt.list_url
    by_class = {}
    for url, form_class in forms.items():
        by_class.setdefault(form_class, []).append(url)
    rts = {rt.list_url: rt for rt in registered_types()}
    for urls in by_class.values():
        assert len({rts[url].filterset_class for url in urls}) == 1, urls


def upstream_table():
    """The table as django-tables2 draws it: its bootstrap5 template with our head and body
    tags and our pagination (taken from records/table.html) in its blocks."""
    ours = (Path(settings.BASE_DIR) / "templates" / "records" / "table.html").read_text()
    pages = re.search(r"({% if table\.page .*{% endif %})\s*</div>\s*$", ours, re.DOTALL)
    assert pages, "records/table.html no longer ends with its pagination"
    return Template(
        '{% extends "django_tables2/bootstrap5.html" %}{% load django_tables2 record_tables %}'
        "{% block table.thead %}{% table_head table %}{% endblock table.thead %}"
        "{% block table.tbody %}{% table_body table %}{% endblock table.tbody %}"
        f"{{% block pagination %}}{pages.group(1)}{{% endblock pagination %}}"
    )


def normalised(html):
    html = re.sub(r">\s+", ">", html.strip())
    html = re.sub(r"\s+<", "<", html)
    return re.sub(r"\s+", " ", html)


def container_of(page):
    found = re.search(
        r'<div class="table-container">.*?</table>\s*(<nav.*?</nav>)?\s*</div>', page, re.DOTALL
    )
    assert found, "the page has no table"
    return found.group(0)


@pytest.mark.parametrize("query", ["", "?page=2&per_page=2", "?per_page=2&page=3&sort=-name"])
def test_the_table_is_the_markup_django_tables2_draws(client_for, lead, query):
    for number in range(5):
        factories.ai_system(lead, name=f"Wrapper system {number}")
    response = client_for(lead).get(f"/inventory/systems/{query}")
    assert response.status_code == 200
    table = response.context["table"]
    table._counter = count()  # rows count from zero again, as in a fresh render
    for column in table.columns:
        for memo in ("_plan", "_seen", "_badges"):
            column.column.__dict__.pop(memo, None)
    upstream = upstream_table().render(Context({"table": table, "request": response.wsgi_request}))
    page = response.content.decode()
    assert normalised(container_of(page)) == normalised(upstream)
    if query:
        assert "Page " in upstream


def test_a_kept_table_head_is_the_head_drawn_fresh(client_for, lead):
    from aims_portal.records.table_body import _drawn_head

    for number in range(3):
        factories.ai_system(lead, name=f"Head system {number}")
    client = client_for(lead)
    heads = {}
    for query in ("", "?sort=-name", "?sort=-name&page=2&per_page=1", "", "?sort=-name"):
        response = client.get(f"/inventory/systems/{query}")
        table = response.context["table"]
        head = re.search(r"<thead.*?</thead>", response.content.decode(), re.DOTALL).group(0)
        fresh = _drawn_head(table, Context({}), dict(response.wsgi_request.GET))
        assert head == fresh, query
        heads.setdefault(query, set()).add(head)
    assert all(len(drawn) == 1 for drawn in heads.values())
    assert heads[""] != heads["?sort=-name"]
    assert 'href="?sort=name"' in next(iter(heads["?sort=-name"]))
    assert "page=2" in next(iter(heads["?sort=-name&page=2&per_page=1"]))


def test_the_active_language_is_part_of_the_key():
    from django.utils import translation

    template = Template('{% load kept %}{% kept "probe" %}{{ answer|yesno }}{% endkept %}')
    assert template.render(Context({"answer": True})) == "yes"
    with translation.override("fr"):
        assert template.render(Context({"answer": True})) == "oui"
    assert template.render(Context({"answer": True})) == "yes"
