"""API lists page at a size the client picks, within a bound the schema states; the lists a
client walks to the end (attestations, history) use cursors."""

import pytest
from rest_framework.test import APIClient

from aims_portal.api_input import MAX_PAGE_SIZE

from . import factories
from . import test_attestations_api as attestations
from .test_attestations_api import BATCH_URL, URL, item

# The attestation fixtures (a system, a model version, a token, a gateway client), without
# collecting that file's tests a second time.
system, version = attestations.system, attestations.version
token_key, gateway = attestations.token_key, attestations.gateway

pytestmark = pytest.mark.django_db


def test_page_size_gives_that_many_records_in_one_request(lead, client_for):
    for n in range(7):
        factories.supplier(lead, name=f"Supplier {n}")
    body = client_for(lead).get("/api/v1/registry/suppliers/", {"page_size": 6}).json()
    assert (body["count"], len(body["results"])) == (7, 6)


def test_page_size_and_its_bound_are_in_the_schema(auditor, client_for):
    schema = client_for(auditor).get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/registry/systems/", "/api/v1/audits/actions/"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert f"at most {MAX_PAGE_SIZE}" in params["page_size"]["description"]
    attestations = schema["paths"]["/api/v1/registry/attestations/"]["get"]["parameters"]
    assert {"cursor", "page_size"} <= {p["name"] for p in attestations}


def test_attestations_are_walked_with_a_cursor(gateway, version, lead):
    gateway.post(BATCH_URL, {"attestations": [item(version, n) for n in range(7)]}, format="json")
    client = APIClient()
    client.force_authenticate(lead)
    url, seen = f"{URL}?page_size=3", []
    while url:
        body = client.get(url).json()
        assert "count" not in body and len(body["results"]) <= 3
        seen += [a["id"] for a in body["results"]]
        url = body["next"]
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)
