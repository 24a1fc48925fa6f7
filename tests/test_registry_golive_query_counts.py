"""The pages the go-live gate added to run a fixed number of queries at two data sizes: the
system page with its sign-offs, a change request with its check, the policies page with its
file rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(client):
    def run(user, url):
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(captured), response

    return run


def test_system_page_with_sign_offs(measure, lead):
    system = factories.production_ready(lead)
    dpo = factories.responsible("dpo")
    small, response = measure(dpo, system.get_absolute_url())
    assert "Sign off version" in response.content.decode()
    for _ in range(6):
        factories.sign_off(system, "dpo")
        factories.sign_off(system, "security_officer")
    large, response = measure(dpo, system.get_absolute_url())
    assert response.content.decode().count("counts</span>") > 2
    assert large == small


def test_change_page_with_its_check(measure, lead, executive):
    system = factories.production_ready(lead)
    change = factories.change_request(lead, system)
    small, response = measure(executive, change.get_absolute_url())
    assert "Check again" in response.content.decode()
    for _ in range(6):
        factories.sign_off(system, "dpo")
    large, _ = measure(executive, change.get_absolute_url())
    assert large == small


def test_policies_page_with_file_rules(measure, lead, settings, tmp_path):
    settings.REGISTRY_POLICY_DIR = tmp_path
    (tmp_path / "a.rego").write_text('package a\n\ndeny contains "a" if false\n')
    rego = 'package p\n\ndeny contains "x" if false\n'
    services.policy_create(actor=lead, data={"name": "first", "title": "First", "rego": rego})
    small, response = measure(lead, "/inventory/policies/")
    assert "file:a.rego" in response.content.decode()
    for i in range(8):
        (tmp_path / f"r{i}.rego").write_text(f'package r{i}\n\ndeny contains "x" if false\n')
        services.policy_create(
            actor=lead,
            data={
                "name": f"p{i}",
                "title": f"P {i}",
                "rego": f'package p{i}\n\ndeny contains "x" if false\n',
            },
        )
    large, response = measure(lead, "/inventory/policies/")
    assert "file:r7.rego" in response.content.decode()
    assert large == small
