"""API errors are JSON problem answers, whatever produced them (an unknown URL, a wrong
method, a server error, an oversized body, a bad page), and body limits follow the
documented attestation batch: 1,000 items of 4 KiB pass, more is a 413 naming the limit."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aims_portal.api_input import MAX_PAGE_SIZE
from integrity.attestations import (
    MAX_BATCH_BODY_BYTES,
    MAX_METADATA_BYTES,
    attestation_token_create,
)
from integrity.models import Attestation
from registry import services as registry

from . import factories
from .test_attestations_api import BATCH_URL, item

pytestmark = pytest.mark.django_db

SYSTEMS = "/api/v1/registry/systems/"


@pytest.fixture
def version(lead):
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    deployed = timezone.now() - timedelta(days=30)
    return registry.model_version_create(
        actor=lead, data={"system": system, "label": "v1", "deployed_at": deployed}
    )


@pytest.fixture
def token_key(admin_user, version):
    return attestation_token_create(actor=admin_user, system=version.system, name="Gateway")[1]


@pytest.fixture
def api(lead):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    return client


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_unknown_api_url_is_a_json_404(api):
    body = assert_problem(api.get("/api/v1/no-such-thing/"), 404)
    assert body["detail"] == "There is no API endpoint or record at this address."


def test_unknown_record_and_wrong_method_are_json(api):
    assert_problem(api.get(f"{SYSTEMS}99999/"), 404)
    assert_problem(api.delete(SYSTEMS), 405)


def test_a_server_error_under_the_api_is_json(api, monkeypatch):
    from registry.api.views import AISystemViewSet

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(AISystemViewSet, "list", broken)
    body = assert_problem(api.get(SYSTEMS), 500)
    assert "simulated" not in body["detail"]  # no internals leak


def test_pages_outside_the_api_keep_their_html_error_pages(api):
    response = api.get("/inventory/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_over_the_default_limit_is_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = assert_problem(
        api.post(SYSTEMS, json.dumps({"name": "x" * 2000}), content_type="application/json"),
        413,
    )
    assert "1,000 bytes at most" in body["detail"]


@pytest.mark.parametrize("page", ["-1", "0", "abc", "²", "99999999999999999999"])
def test_a_bad_page_is_a_400_naming_the_pages(api, page):
    body = api.get(SYSTEMS, {"page": page})
    assert body.status_code == 400
    assert body.json() == {"page": "Choose a page from 1 to 1 (a whole number)."}


@pytest.mark.parametrize("size", ["-1", "0", "abc", "100000"])
def test_page_size_is_clamped(api, size):
    response = api.get(SYSTEMS, {"page_size": size})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_PAGE_SIZE


def test_a_nul_in_the_search_is_a_400(api):
    response = api.get(SYSTEMS, {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"search": "The search contains a NUL character."}


def test_a_full_batch_of_4_kib_items_is_accepted(version, token_key):
    note = "x" * (MAX_METADATA_BYTES - 20)
    items = [item(version, n, metadata={"note": note}) for n in range(1000)]
    body = json.dumps({"attestations": items}, indent=1)
    assert len(body) > 4_000_000  # far above Django's default 2.5 MB
    response = Client().post(
        BATCH_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token_key}"
    )
    assert response.status_code == 201, response.content[:300]
    assert Attestation.objects.count() == 1000


def test_a_batch_body_over_its_limit_is_a_json_413_naming_it(token_key):
    body = '{"attestations": [' + " " * MAX_BATCH_BODY_BYTES + "]}"
    response = Client().post(
        BATCH_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token_key}"
    )
    detail = assert_problem(response, 413)["detail"]
    assert f"{MAX_BATCH_BODY_BYTES:,} bytes at most" in detail
    assert not Attestation.objects.exists()


def test_the_larger_limit_is_the_batchs_alone(token_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"system": "support-assistant", "metadata": {"note": "x" * 2000}})
    response = Client().post(
        "/api/v1/registry/attestations/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_key}",
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("url", ["proofs/consistency/?from=", "proofs/inclusion/?index="])
def test_ledger_proofs_refuse_unicode_digits(api, url):
    response = api.get(f"/api/v1/integrity/{url}²")
    assert response.status_code == 400
    assert "A whole number" in str(response.json())
