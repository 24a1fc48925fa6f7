"""Defects of the page shell: the favicon answers, and filter labels keep their casing
after the API schema has read the filters."""

import pytest
from django.contrib.staticfiles import finders
from django.http import QueryDict

from registry.filters import AISystemFilterSet

pytestmark = pytest.mark.django_db


def test_the_favicon_is_found_logged_out(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("vendor/bootstrap-icons-svg/shield-check.svg")
    assert finders.find("vendor/bootstrap-icons-svg/shield-check.svg")


def test_every_page_names_its_icon(client_for, lead):
    page = client_for(lead).get("/").content.decode()
    assert 'rel="icon" type="image/svg+xml"' in page


def test_filter_labels_keep_their_casing_after_the_schema_reads_them(client_for, lead):
    # What drf-spectacular does while building /api/schema/: build the class's fields.
    for declared in AISystemFilterSet.base_filters.values():
        declared.field  # noqa: B018
    labels = {n: str(f.label) for n, f in AISystemFilterSet(QueryDict()).form.fields.items()}
    assert labels["eu_ai_act_tier"] == "EU AI Act tier"
    page = client_for(lead).get("/inventory/systems/").content.decode()
    assert ">EU AI Act tier</label>" in page
    assert "Eu ai act tier" not in page
