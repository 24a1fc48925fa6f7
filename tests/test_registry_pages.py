"""Registry pages beyond the generic ones: YAML downloads, the change form started from a
system, the policy page, the dashboard card."""

import io
import zipfile

import pytest

from registry import services

from . import factories

pytestmark = pytest.mark.django_db


def test_system_yaml_download(client_for, lead):
    system = factories.ai_system(lead, name="Assistant <b>")
    response = client_for(lead).get(f"/inventory/systems/{system.pk}/yaml/")
    assert response["Content-Disposition"] == f'attachment; filename="{system.slug}.yaml"'
    assert "name: Assistant <b>" in response.content.decode()


def test_all_systems_zip_download(client_for, lead):
    first, second = factories.ai_system(lead), factories.ai_system(lead)
    response = client_for(lead).get("/inventory/systems/yaml/")
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(f"registry/{s.slug}.yaml" for s in (first, second))


def test_yaml_downloads_need_the_export_grant(client_for, lead, make_user):
    system = factories.ai_system(lead)
    nobody = make_user(None)
    assert client_for(nobody).get(f"/inventory/systems/{system.pk}/yaml/").status_code == 403


def test_change_form_from_a_system_has_it_chosen(client_for, lead):
    system = factories.ai_system(lead)
    page = client_for(lead).get(f"/inventory/changes/new/{system.pk}/").content.decode()
    assert f'<option value="{system.pk}" selected>' in page


def test_auditor_cannot_open_the_change_form_or_import(client_for, lead, auditor):
    system = factories.ai_system(lead)
    client = client_for(auditor)
    assert client.get(f"/inventory/changes/new/{system.pk}/").status_code == 403
    assert client.get("/inventory/systems/import/").status_code == 403
    page = client.get(system.get_absolute_url()).content.decode()
    assert "Request change" not in page


def test_policy_page_shows_the_rule_escaped(client_for, lead):
    record = services.policy_create(
        actor=lead,
        data={
            "name": "no-script",
            "title": "<script>alert(1)</script>",
            "rego": 'package p\nimport rego.v1\ndeny contains "x" if { false }\n',
        },
    )
    page = client_for(lead).get(record.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "does not compile" not in page


def test_dashboard_counts_waiting_changes(client_for, lead):
    factories.change_request(lead, factories.production_ready(lead, approved_by=[]))
    page = client_for(lead).get("/").content.decode()
    assert "Changes awaiting approval" in page
    assert "failed the policy check" in page
