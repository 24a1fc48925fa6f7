"""Every panel of related records offers "Add …" with the record chosen, and the new
record's form returns to the page the user came from, only when that page is on this site."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from controls.forms import SoAEntryForm
from controls.models import SoAEntry
from registry.forms import DataSourceForm
from registry.models import DataSource

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse: the SoA's entries)

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(lead):
    return factories.ai_system(lead)


def panel_adds(response):
    return {p["panel"].title: p["add"] for p in response.context["panels"]}


def test_the_system_page_offers_to_add_in_each_panel(client_for, lead, system):
    adds = panel_adds(client_for(lead).get(system.get_absolute_url()))
    for title in ("Data sources", "Impact assessments", "Risks", "AI incidents"):
        label, href = adds[title]
        assert label.startswith("Add ")
        url = urlsplit(href)
        query = parse_qs(url.query)
        assert query["next"] == [system.get_absolute_url()]
        assert str(system.pk) in (query.get("system") or query.get("systems"))


def test_the_form_opens_with_the_system_chosen(client_for, lead, system):
    _, href = panel_adds(client_for(lead).get(system.get_absolute_url()))["Data sources"]
    response = client_for(lead).get(href)
    assert response.context["form"].initial["system"] == str(system.pk)
    assert re.search(rf'<option value="{system.pk}"[^>]*selected', response.content.decode())
    assert f'href="{system.get_absolute_url()}">Cancel' in response.content.decode()


def test_saving_returns_to_the_system_page(client_for, lead, system):
    _, href = panel_adds(client_for(lead).get(system.get_absolute_url()))["Risks"]
    assert client_for(lead).get(href).context["form"].initial["systems"] == [str(system.pk)]
    data = factories.form_data(
        DataSourceForm,
        system=system.pk,
        kind="training",
        name="Support tickets 2025",
        location="s3://tickets",
        provenance="Exported from the help desk",
    )
    url = reverse("registry:datasource-create")
    response = client_for(lead).post(f"{url}?next={system.get_absolute_url()}", data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == system.get_absolute_url()
    assert DataSource.objects.get(name="Support tickets 2025").system == system


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_a_next_page_off_the_site_is_ignored(client_for, lead, system, target):
    data = factories.form_data(
        DataSourceForm,
        system=system.pk,
        kind="training",
        name="Tickets",
        location="s3://tickets",
        provenance="Help desk",
    )
    url = reverse("registry:datasource-create")
    response = client_for(lead).post(url, {**data, "next": target})
    assert response.status_code == 302
    assert response["Location"] == DataSource.objects.get(name="Tickets").get_absolute_url()


def test_no_add_for_a_reader_without_the_create_grant(client_for, auditor, lead, system):
    adds = panel_adds(client_for(auditor).get(system.get_absolute_url()))
    assert not any(adds.values())


def test_a_risk_without_a_control_offers_to_link_one(client_for, lead):
    risk = factories.risk(lead, title="Unreviewed prompts")
    client = client_for(lead)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert "No SoA control linked yet." in page and 'id="link-control"' in page
    entry = SoAEntry.objects.select_related("control").order_by("control__sort_key").first()
    link = reverse("controls:soa-entry-link")
    response = client.get(
        link, {"entry": entry.pk, "risks": risk.pk, "next": risk.get_absolute_url()}
    )
    assert response.status_code == 302
    edit = response["Location"]
    assert edit.startswith(reverse("controls:soaentry-edit", args=[entry.pk]))
    form = client.get(edit).context["form"]
    assert risk.pk in form.initial["risks"]
    data = factories.edit_data(SoAEntryForm, entry, reason="Treats the prompt risk")
    data["risks"] = [risk.pk]
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == risk.get_absolute_url()
    assert list(entry.risks.all()) == [risk]


def test_linking_a_control_without_choosing_one_says_so(client_for, lead):
    response = client_for(lead).get(reverse("controls:soa-entry-link"), {"entry": "x"})
    assert response.status_code == 302 and response["Location"] == reverse("controls:soa")
