"""Browsing attestations: the panel on the AI system page, the per-system list (filter by
model version and decision, pagination), one attestation, the administrators' token page;
each page runs the same number of queries at a small and a large size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrity.attestations import attestation_token_create, attestations_register
from integrity.models import Attestation, AttestationToken
from registry import services as registry

from . import factories
from .test_attestations_api import item

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 120


@pytest.fixture
def setup(lead, admin_user):
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    old = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v1",
            "deployed_at": timezone.now() - datetime.timedelta(days=10),
        },
    )
    new = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v2",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    token, key = attestation_token_create(actor=admin_user, system=system, name="Gateway EU")
    return {"system": system, "old": old, "new": new, "token": token, "key": key}


def attest(setup, count, version=None, start=0, **overrides):
    version = version or setup["new"]
    items = [item(version, start + n, **overrides) for n in range(count)]
    return attestations_register(token=setup["token"], items=items)


def list_url(setup):
    return f"/inventory/systems/{setup['system'].pk}/attestations/"


def test_system_page_shows_the_panel_with_count_and_links(setup, client_for, lead, admin_user):
    attest(setup, 2)
    html = client_for(lead).get(setup["system"].get_absolute_url()).content.decode()
    assert "Attested AI outputs" in html
    assert list_url(setup) in html
    assert "attestation-tokens" not in html
    admin_html = client_for(admin_user).get(setup["system"].get_absolute_url()).content.decode()
    assert "API tokens (1 active)" in admin_html


def test_list_shows_attestations_with_their_ledger_entries(setup, client_for, auditor):
    done = attest(setup, 2)
    html = client_for(auditor).get(list_url(setup)).content.decode()
    assert "2 attestations" in html
    assert f"#{done[0].sequence}" in html and f"#{done[1].sequence}" in html
    assert "Gateway EU" in html


def test_list_filters_by_model_version_and_decision(setup, client_for, lead):
    attest(setup, 2, version=setup["old"], occurred_at=timezone.now() - datetime.timedelta(days=5))
    attest(setup, 3, start=10, decision="blocked")
    client = client_for(lead)
    old = client.get(list_url(setup), {"model_version": setup["old"].pk}).content.decode()
    assert "2 attestations matching your filters" in old
    blocked = client.get(list_url(setup), {"decision": "blocked"}).content.decode()
    assert "3 attestations matching your filters" in blocked
    none = client.get(list_url(setup), {"decision": "escalated"}).content.decode()
    assert "No attestation matches these filters." in none


def test_list_is_paginated(setup, client_for, lead):
    attest(setup, 55)
    client = client_for(lead)
    first = client.get(list_url(setup)).content.decode()
    assert "Page 1 of 2" in first
    second = client.get(list_url(setup), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert second.count('<td><a href="/inventory/attestations/') == 5


def test_detail_shows_hashes_metadata_and_ledger_entry(setup, client_for, auditor):
    done = attest(setup, 1, metadata={"request_id": "req-42"})[0]
    html = client_for(auditor).get(done.attestation.get_absolute_url()).content.decode()
    assert done.attestation.output_sha256 in html
    assert done.entry_hash in html
    assert "req-42" in html


def test_admin_creates_token_on_the_page_and_sees_the_key_once(setup, client_for, admin_user):
    client = client_for(admin_user)
    url = f"/inventory/systems/{setup['system'].pk}/attestation-tokens/"
    response = client.post(url, {"name": "Batch job"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = AttestationToken.objects.get(name="Batch job")
    html = response.content.decode()
    key = html.split('attestation-key">')[1].split("<")[0]
    assert key.startswith(token.key_prefix)
    assert key not in client.get(url).content.decode()
    empty = client.post(url, {"name": "  "})
    assert empty.status_code == 400
    assert "Name the gateway" in empty.content.decode()


def test_admin_revokes_a_token_from_the_page(setup, client_for, admin_user):
    client = client_for(admin_user)
    url = f"/inventory/attestation-tokens/{setup['token'].pk}/revoke/"
    response = client.post(url, {"reason": "Gateway replaced"}, follow=True)
    assert "it is refused from now on" in response.content.decode()
    setup["token"].refresh_from_db()
    assert setup["token"].revoked_at is not None


@pytest.mark.parametrize("role", ["lead", "owner", "executive", "auditor"])
def test_token_pages_are_for_administrators_only(request, setup, client_for, role):
    client = client_for(request.getfixturevalue(role))
    url = f"/inventory/systems/{setup['system'].pk}/attestation-tokens/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x"}).status_code == 403
    revoke = f"/inventory/attestation-tokens/{setup['token'].pk}/revoke/"
    assert client.post(revoke, {"reason": "x"}).status_code == 403
    assert AttestationToken.objects.count() == 1


def test_anonymous_visitors_are_sent_to_login(setup, client):
    response = client.get(list_url(setup))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_nothing_on_the_pages_changes_or_deletes_an_attestation(setup, client_for, admin_user):
    done = attest(setup, 1)[0]
    client = client_for(admin_user)
    assert client.post(done.attestation.get_absolute_url()).status_code == 405
    assert Attestation.objects.count() == 1


def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("role", ["lead", "admin_user"])
def test_pages_keep_their_query_count_at_two_sizes(request, setup, client_for, role):
    client = client_for(request.getfixturevalue(role))
    system = setup["system"]
    pages = {
        "list": list_url(setup),
        "filtered": f"{list_url(setup)}?model_version={setup['new'].pk}&decision=allowed",
        "system": system.get_absolute_url(),
    }
    attest(setup, SMALL)
    small = {name: count_queries(client, url) for name, url in pages.items()}
    first_id = Attestation.objects.order_by("pk").first().pk
    small["detail"] = count_queries(client, f"/inventory/attestations/{first_id}/")
    attest(setup, LARGE - SMALL, start=SMALL)
    large = {name: count_queries(client, url) for name, url in pages.items()}
    large["detail"] = count_queries(client, f"/inventory/attestations/{first_id}/")
    assert small == large


def test_token_page_keeps_its_query_count(setup, client_for, admin_user):
    client = client_for(admin_user)
    url = f"/inventory/systems/{setup['system'].pk}/attestation-tokens/"
    small = count_queries(client, url)
    for n in range(8):
        attestation_token_create(actor=admin_user, system=setup["system"], name=f"Gateway {n}")
    assert count_queries(client, url) == small
