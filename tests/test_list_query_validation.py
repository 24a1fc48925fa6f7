"""List pages take any query string: a bad filter value is left out and named in a message
(the page still shows, with the other filters applied), paging stays within bounds, and
history and revision comparisons refuse bad version numbers with a message, never a 500."""

import pytest

from aims_portal import roles
from aims_portal.records import registered_types
from aims_portal.records.views import MAX_PER_PAGE
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db

RISKS = "/assessments/risks/"
TYPES = sorted(registered_types(), key=lambda rt: rt.model._meta.label)


def warnings(response):
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize(
    ("key", "value", "label"),
    [
        ("owner", "abc", "Owner"),
        ("owner", "99999999999999999999", "Owner"),
        ("owner", "-1", "Owner"),
        ("treatment", "zzz", "Treatment"),
        ("q", "\x00", "Search"),
        ("system", "²", "AI system"),
        ("status", "bogus", "Status"),
        ("inherent_likelihood", "²", "Inherent likelihood"),
    ],
)
def test_a_bad_risk_filter_shows_the_register_with_a_message(lead, client_for, key, value, label):
    factories.risk(lead, title="Prompt injection")
    response = client_for(lead).get(RISKS, {key: value})
    assert response.status_code == 200
    [message] = warnings(response)
    assert message.startswith(f"Filter ignored. {label}")
    titles = [risk.title for risk in response.context["table"].page.object_list.data]
    assert titles == ["Prompt injection"]


def test_good_filters_still_apply_beside_a_bad_one(lead, owner, client_for):
    factories.risk(lead, title="Lead's risk", owner=lead)
    factories.risk(lead, title="Owner's risk", owner=owner)
    response = client_for(lead).get(RISKS, {"owner": owner.pk, "treatment": "zzz"})
    titles = [risk.title for risk in response.context["table"].page.object_list.data]
    assert titles == ["Owner's risk"]
    assert any("Treatment" in m for m in warnings(response))


def test_every_record_list_survives_bad_values_in_each_of_its_filters(admin_user, client_for):
    client = client_for(admin_user)
    for rt in TYPES:
        for name in rt.filterset_class.base_filters:
            for value in ("abc", "\x00", "99999999999999999999", "-1", "²", "2026-13-45"):
                response = client.get(rt.list_url, {name: value})
                assert response.status_code == 200, (rt.list_url, name, value)


@pytest.mark.parametrize("per_page", ["-1", "0", "abc", "1e9", "99999999999", "²"])
def test_per_page_stays_within_bounds(admin_user, lead, client_for, per_page):
    for n in range(3):
        factories.supplier(lead, name=f"Supplier {n}")
    client = client_for(admin_user)
    for rt in TYPES:
        response = client.get(rt.list_url, {"per_page": per_page})
        assert response.status_code == 200, rt.list_url
        if "table" in response.context:  # the SoA has a page of its own, without paging
            assert 1 <= response.context["table"].paginator.per_page <= MAX_PER_PAGE


def test_per_page_is_honoured_up_to_the_maximum(lead, client_for):
    for n in range(3):
        factories.supplier(lead, name=f"Supplier {n}")
    client = client_for(lead)
    assert (
        client.get("/inventory/suppliers/", {"per_page": "2"}).context["table"].paginator.per_page
        == 2
    )
    big = client.get("/inventory/suppliers/", {"per_page": str(MAX_PER_PAGE + 1)})
    assert big.context["table"].paginator.per_page == 25


@pytest.mark.parametrize("page", ["-1", "0", "abc", "99999999999999999999", "²", ""])
def test_any_page_number_shows_a_page(lead, client_for, page):
    for n in range(30):
        factories.supplier(lead, name=f"Supplier {n:02}")
    response = client_for(lead).get("/inventory/suppliers/", {"page": page})
    assert response.status_code == 200
    number = response.context["table"].page.number
    assert number == (2 if page == "99999999999999999999" else 1)


def test_a_system_owner_gets_the_same_protection(owner, client_for):
    response = client_for(owner).get("/inventory/systems/", {"owner": "abc", "per_page": "-1"})
    assert response.status_code == 200
    assert any(m.startswith("Filter ignored. Owner") for m in warnings(response))


# --- history and revision comparisons -------------------------------------------------------


def _diff_url(record):
    meta = record._meta
    return f"/history/{meta.app_label}/{meta.model_name}/{record.pk}/diff/"


@pytest.mark.parametrize(
    ("older", "newer"),
    [("²", "1"), ("1", "²"), ("abc", "1"), ("-1", "1"), ("99999999999999999999", "1"), ("", "")],
)
def test_history_diff_refuses_bad_version_numbers_with_a_message(lead, client_for, older, newer):
    system = factories.ai_system(lead)
    response = client_for(lead).get(_diff_url(system), {"from": older, "to": newer})
    assert response.status_code == 400
    assert "Choose two versions to compare." in response.content.decode()


def test_history_page_number_out_of_range_shows_a_page(lead, client_for):
    system = factories.ai_system(lead)
    meta = AISystem._meta
    url = f"/history/{meta.app_label}/{meta.model_name}/{system.pk}/"
    for page in ("²", "-1", "99999999999999999999"):
        assert client_for(lead).get(url, {"page": page}).status_code == 200


def test_revision_compare_refuses_bad_numbers(lead, client_for):
    response = client_for(lead).get("/controls/soa/revisions/compare/", {"from": "²", "to": "1"})
    assert response.status_code == 200
    assert "Choose two revisions by their numbers." in response.content.decode()


def test_api_revision_compare_refuses_bad_numbers(lead, client_for):
    response = client_for(lead).get(
        "/api/v1/controls/soa-revisions/compare/", {"from": "²", "to": "99999999999999999999"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Give two revision numbers: ?from=1&to=2."


def test_auditors_see_the_message_too(auditor, client_for, lead):
    factories.risk(lead)
    response = client_for(auditor).get(RISKS, {"review_due": "zzz"})
    assert response.status_code == 200
    assert roles.can(auditor, "view", "assessments")
    assert any("Filter ignored." in m for m in warnings(response))
