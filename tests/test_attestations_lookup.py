"""Finding attestations by the SHA-256 of their output or input: the API filters, the search
box of a system's attestation list and the search page across systems; a malformed digest is
a clear message; every one keeps its query count at two sizes."""

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from integrity.attestations import attestation_token_create, attestations_register
from registry import services as registry

from . import factories
from .test_attestations_api import item
from .test_attestations_pages import attest, list_url

pytestmark = pytest.mark.django_db

API = "/api/v1/registry/attestations/"
SEARCH = "/inventory/attestations/search/"
SMALL, LARGE = 2, 40
SHARED = hashlib.sha256(b"the same answer, given again").hexdigest()


@pytest.fixture
def setup(lead, admin_user):
    system = factories.ai_system(lead, slug="support-assistant", name="Support assistant")
    new = registry.model_version_create(
        actor=lead,
        data={
            "system": system,
            "label": "v2",
            "deployed_at": timezone.now() - datetime.timedelta(days=1),
        },
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway EU")
    return {"system": system, "new": new, "token": token}


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_finds_an_attestation_by_output_hash(setup, lead):
    done = attest(setup, 5)
    wanted = done[3].attestation
    response = api_client(lead).get(API, {"output_sha256": wanted.output_sha256.upper()})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [wanted.pk]


def test_api_finds_an_attestation_by_input_hash(setup, lead):
    done = attest(setup, 5)
    wanted = done[1].attestation
    response = api_client(lead).get(API, {"input_sha256": wanted.input_sha256})
    assert [a["id"] for a in response.json()["results"]] == [wanted.pk]
    # an output hash is not an input hash
    response = api_client(lead).get(API, {"input_sha256": wanted.output_sha256})
    assert response.json()["results"] == []


def test_api_refuses_a_malformed_digest(setup, lead):
    attest(setup, 2)
    response = api_client(lead).get(API, {"output_sha256": "abc"})
    assert response.status_code == 400
    assert response.json()["output_sha256"] == ["Give a SHA-256 digest: 64 hex digits."]


def test_system_list_search_box_matches_input_or_output(setup, client_for, auditor):
    done = attest(setup, 4)
    client = client_for(auditor)
    by_output = client.get(list_url(setup), {"hash": done[2].attestation.output_sha256})
    assert by_output.status_code == 200
    shown = [a.pk for a in by_output.context["page"]]
    assert shown == [done[2].attestation.pk]
    by_input = client.get(list_url(setup), {"hash": done[0].attestation.input_sha256.upper()})
    assert [a.pk for a in by_input.context["page"]] == [done[0].attestation.pk]
    assert 'name="hash"' in by_input.content.decode()


def test_system_list_search_box_explains_a_malformed_digest(setup, client_for, lead):
    attest(setup, 3)
    response = client_for(lead).get(list_url(setup), {"hash": "not a digest"})
    assert response.status_code == 200
    assert "64 hexadecimal characters" in response.content.decode()
    assert list(response.context["page"]) == []


def test_search_page_finds_outputs_across_systems(setup, client_for, lead, admin_user):
    mine = attest(setup, 2, output_sha256=SHARED)
    other = factories.ai_system(lead, slug="second-system", name="Second system")
    version = registry.model_version_create(
        actor=lead,
        data={"system": other, "label": "v7", "deployed_at": setup["new"].deployed_at},
    )
    token, _ = attestation_token_create(actor=admin_user, system=other, name="Second gateway")
    theirs = attestations_register(token=token, items=[item(version, 0, output_sha256=SHARED)])
    response = client_for(lead).get(SEARCH, {"hash": SHARED})
    assert response.status_code == 200
    found = {a.pk for a in response.context["found"]}
    assert found == {r.attestation.pk for r in [*mine, *theirs]}
    page = response.content.decode()
    assert "Second system" in page and "Support assistant" in page


def test_search_page_says_when_nothing_has_the_hash(setup, client_for, auditor):
    attest(setup, 2)
    response = client_for(auditor).get(SEARCH, {"hash": sha("never seen")})
    assert "No attestation has this hash." in response.content.decode()


def test_search_needs_the_right_to_read_the_inventory(setup, client_for, make_user):
    response = client_for(make_user()).get(SEARCH, {"hash": SHARED})
    assert response.status_code == 403


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured)


def test_lookups_keep_their_query_count_at_two_sizes(setup, client_for, lead):
    pages = client_for(lead)
    attest(setup, SMALL, output_sha256=SHARED)

    def runs():
        # A fresh API caller each time, as each real request loads its user (and its scope).
        caller = api_client(type(lead).objects.get(pk=lead.pk))
        return [
            (pages, list_url(setup), {"hash": SHARED}),
            (pages, SEARCH, {"hash": SHARED}),
            (caller, API, {"output_sha256": SHARED}),
        ]

    small = [count_queries(*run) for run in runs()]
    attest(setup, LARGE - SMALL, start=SMALL, output_sha256=SHARED)
    large = [count_queries(*run) for run in runs()]
    assert small == large
    api = api_client(lead)
    found = api.get(API, {"output_sha256": SHARED, "page_size": 100}).json()
    assert len(found["results"]) == LARGE  # cursor pages: no count, every match on one page
