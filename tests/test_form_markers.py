"""Every record form marks its required fields (a visible asterisk and the `required`
attribute) and gives each field the input type a browser can help with."""

import re

import pytest
from django import forms
from django.urls import get_resolver

from aims_portal import roles
from aims_portal.record_registry import registered_types

pytestmark = pytest.mark.django_db

INPUT_TYPES = (
    (forms.DateTimeField, "datetime-local"),
    (forms.DateField, "date"),
    (forms.IntegerField, "number"),
    (forms.DecimalField, "number"),
    (forms.FloatField, "number"),
    (forms.EmailField, "email"),
    (forms.URLField, "url"),
)


@pytest.fixture
def record_types():
    assert get_resolver().url_patterns  # apps declare their record types as URLs load
    return registered_types()


def test_every_form_field_has_the_input_type_of_its_value(record_types):
    wrong = []
    for rt in record_types:
        for name, field in rt.form_class().fields.items():
            if field.widget.is_hidden:
                continue
            for kind, wanted in INPUT_TYPES:
                if isinstance(field, kind):
                    if getattr(field.widget, "input_type", None) != wanted:
                        wrong.append(f"{rt.model.__name__}.{name}: {field.widget.input_type}")
                    break
    assert wrong == []


def test_the_create_page_marks_required_fields(client_for, admin_user):
    page = client_for(admin_user).get("/inventory/systems/new/").content.decode()
    assert "Fields marked with an asterisk are required." in page
    # The wrapper of a required field has the class portal.css marks, and the input says so.
    name = re.search(r'<div class="[^"]*\brequired\b[^"]*">\s*<label[^>]*for="id_name"', page)
    assert name, "the name field is not marked required"
    assert re.search(r'<input[^>]*name="name"[^>]*required', page)
    # An optional field (the endpoint) is not marked.
    optional = r'<div class="[^"]*\brequired\b[^"]*">\s*<label[^>]*for="id_endpoint"'
    assert not re.search(optional, page)


def test_every_create_page_marks_what_its_form_requires(client_for, admin_user, record_types):
    client = client_for(admin_user)
    missing = []
    for rt in record_types:
        if not roles.can(admin_user, "create", rt.area):
            continue
        response = client.get(rt.create_url)
        if response.status_code != 200:
            continue
        page = response.content.decode()
        form = response.context["form"]
        for bound in form.visible_fields():
            if bound.field.required and f'name="{bound.html_name}"' in page:
                pattern = rf'<(?:input|select|textarea)[^>]*name="{bound.html_name}"[^>]*>'
                found = re.search(pattern, page)
                tag = found.group(0) if found else ""
                said = " required" in tag or 'aria-required="true"' in tag
                if not said:
                    missing.append(f"{rt.model.__name__}.{bound.name}")
    assert missing == []
