"""GET …/{id}/history/ on every record endpoint: the versions of one record, newest first,
with who, when, why and the fields and links each changed, in cursor pages, under the
permission to read the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services as assessments
from registry import services as registry

from . import factories

pytestmark = pytest.mark.django_db


def history_url(prefix, record):
    return f"/api/v1/{prefix}/{record.pk}/history/"


def edit_supplier(supplier, actor, reason, **data):
    supplier.refresh_from_db()
    return registry.supplier_update(
        supplier, actor=actor, data=data, expected_version=supplier.version, reason=reason
    )


def test_versions_say_who_when_why_and_what_changed(lead, auditor, client_for):
    supplier = factories.supplier(lead, name="Acme")
    edit_supplier(supplier, lead, "Scope widened", services="Labelling")
    body = client_for(auditor).get(history_url("registry/suppliers", supplier)).json()
    newest, first = body["results"]
    assert [newest["type"], first["type"]] == ["~", "+"]
    assert newest["user"] == "lead"
    assert newest["reason"] == "Scope widened"
    assert newest["version"] == 2
    assert newest["changes"] == [
        {
            "field": "services",
            "label": "Services provided",
            "old": supplier.history.earliest("history_id").services,
            "new": "Labelling",
        }
    ]
    assert first["changes"] == []
    assert body["next"] is None


def test_changed_links_are_listed_with_the_ids_before_and_after(lead, auditor, client_for):
    systems = [factories.ai_system(lead, slug=f"sys-{n}", name=f"System {n}") for n in range(3)]
    risk = factories.risk(lead, systems=systems[:2])
    risk.refresh_from_db()
    assessments.risk_update(
        risk,
        actor=lead,
        data={"systems": systems[1:]},
        expected_version=risk.version,
        reason="Credit model joins",
    )
    body = client_for(auditor).get(history_url("assessments/risks", risk)).json()
    (links,) = [c for c in body["results"][0]["changes"] if c["field"] == "systems"]
    assert links["old"] == sorted(s.pk for s in systems[:2])
    assert links["new"] == sorted(s.pk for s in systems[1:])


def test_cursor_pages_walk_every_version_once(lead, auditor, client_for):
    supplier = factories.supplier(lead, name="Acme")
    for n in range(6):
        edit_supplier(supplier, lead, f"Edit {n}", services=f"Service {n}")
    client = client_for(auditor)
    url, seen = history_url("registry/suppliers", supplier) + "?page_size=3", []
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 3
        seen += [v["history_id"] for v in body["results"]]
        url = body["next"]
    expected = list(supplier.history.order_by("-history_id").values_list("history_id", flat=True))
    assert seen == expected


def test_a_page_boundary_does_not_lose_the_oldest_rows_changes(lead, auditor, client_for):
    supplier = factories.supplier(lead, name="Acme")
    edit_supplier(supplier, lead, "One", services="First")
    edit_supplier(supplier, lead, "Two", services="Second")
    body = client_for(auditor).get(history_url("registry/suppliers", supplier) + "?page_size=1")
    (newest,) = body.json()["results"]
    assert [(c["old"], c["new"]) for c in newest["changes"]] == [("First", "Second")]


def test_history_needs_the_right_to_read_the_record(lead, make_user, client, client_for):
    supplier = factories.supplier(lead, name="Acme")
    url = history_url("registry/suppliers", supplier)
    assert client.get(url).status_code in (401, 403)
    nobody = make_user(None, username="nobody")
    assert client_for(nobody).get(url).status_code == 403


def test_unknown_record_is_404(auditor, client_for):
    assert client_for(auditor).get("/api/v1/registry/suppliers/999999/history/").status_code == 404


def test_history_is_in_the_schema_for_every_record_endpoint(auditor, client_for):
    schema = client_for(auditor).get("/api/v1/schema/?format=json").json()
    paths = [p for p in schema["paths"] if p.endswith("/{id}/history/")]
    prefixes = ("registry/systems", "assessments/risks", "controls/soa-entries", "audits/actions")
    for prefix in prefixes:
        assert f"/api/v1/{prefix}/{{id}}/history/" in paths
    operation = schema["paths"]["/api/v1/registry/systems/{id}/history/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"id", "cursor", "page_size"}


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def _edit_risk(risk, actor, n):
    risk.refresh_from_db()
    assessments.risk_update(
        risk, actor=actor, data={"title": f"Risk {n}"}, expected_version=risk.version, reason="Edit"
    )


def _edit_supplier(supplier, actor, n):
    edit_supplier(supplier, actor, "Edit", services=f"Service {n}")


@pytest.mark.parametrize(
    ("prefix", "make", "edit"),
    [
        ("registry/suppliers", lambda lead, n: factories.supplier(lead, name=n), _edit_supplier),
        ("assessments/risks", lambda lead, n: factories.risk(lead, title=n), _edit_risk),
    ],
)
def test_query_count_does_not_grow_with_versions(prefix, make, edit, lead, auditor, client_for):
    small, large = make(lead, "Small"), make(lead, "Large")
    for n in range(60):
        edit(large, lead, n)
    client = client_for(auditor)
    client.get(history_url(prefix, small))  # session and role caches warm
    small_count, small_rows = _queries(client, history_url(prefix, small))
    large_count, large_rows = _queries(client, history_url(prefix, large))
    assert (small_rows, large_rows) == (1, 50)
    assert large_count == small_count
