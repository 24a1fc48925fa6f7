"""The history page shows one page of versions at a time and diffs only those: the same
number of queries and rows whatever the number of versions, and the page boundary keeps
each shown version's changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services as registry

from . import factories

pytestmark = pytest.mark.django_db

PER_PAGE = 25


def _edit(supplier, actor, n):
    supplier.refresh_from_db()
    registry.supplier_update(
        supplier,
        actor=actor,
        data={"services": f"Service {n}"},
        expected_version=supplier.version,
        reason=f"Edit {n}",
    )


def _url(supplier, page=1):
    return f"/history/registry/supplier/{supplier.pk}/?page={page}"


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_history_page_cost_does_not_grow_with_versions(lead, client_for):
    few, many = factories.supplier(lead, name="Few"), factories.supplier(lead, name="Many")
    _edit(few, lead, 0)
    for n in range(70):
        _edit(many, lead, n)
    client = client_for(lead)
    client.get(_url(few))  # warm the session and caches
    small, _ = _get(client, _url(few))
    large, response = _get(client, _url(many))
    assert len(response.context["rows"]) == PER_PAGE
    assert response.context["page_obj"].paginator.num_pages == 3
    assert large == small


def test_the_oldest_row_of_a_page_still_names_its_changes(lead, client_for):
    supplier = factories.supplier(lead, name="Acme")
    for n in range(PER_PAGE + 2):
        _edit(supplier, lead, n)
    response = client_for(lead).get(_url(supplier, page=1))
    *_, (oldest, previous, changed) = response.context["rows"]
    assert previous is not None and previous.history_id < oldest.history_id
    assert changed == ["Services provided"]
    last = client_for(lead).get(_url(supplier, page=2)).context["rows"]
    assert [row.history_type for row, _, _ in last][-1] == "+"
