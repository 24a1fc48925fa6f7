"""Large filter choices are searched, not listed: the risk and assessment lists filter by
AI system through a text box (an ID without JavaScript) backed by a small JSON endpoint."""

import pytest

from . import factories
from .lookups import lookup_at_two_sizes

pytestmark = pytest.mark.django_db

LISTS = ("/assessments/risks/", "/assessments/impact/")


@pytest.fixture
def systems(lead):
    return [factories.ai_system(lead, slug=f"chatbot-{n}", name=f"Chatbot {n}") for n in range(3)]


@pytest.mark.parametrize("url", LISTS)
def test_the_filter_does_not_list_every_system(client_for, lead, systems, url):
    page = client_for(lead).get(url).content.decode()
    assert 'name="system"' in page
    assert 'data-remote-url="/inventory/systems/lookup/"' in page
    assert "Chatbot 1" not in page  # no <option> per system


def test_a_risk_list_filters_by_system_id_or_slug(client_for, lead, systems):
    risk = factories.risk(lead, title="Linked risk", systems=[systems[1]])
    factories.risk(lead, title="Other risk")
    client = client_for(lead)
    for value in (systems[1].pk, "chatbot-1"):
        response = client.get("/assessments/risks/", {"system": value})
        assert response.status_code == 200
        titles = [r.title for r in response.context["table"].data]
        assert titles == [risk.title], value
    page = client.get("/assessments/risks/", {"system": systems[1].pk}).content.decode()
    assert 'data-remote-label="Chatbot 1"' in page


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("value", ["no-such-system", "999999999", "9" * 40, "a\x00b"])
def test_a_bad_system_is_refused_with_a_message(client_for, lead, systems, url, value):
    response = client_for(lead).get(url, {"system": value})
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Filter ignored. AI system:") for m in shown), shown


def test_lookup_finds_systems_by_name_or_id(client_for, lead, systems):
    factories.ai_system(lead, slug="credit-scoring", name="Credit scoring")
    client = client_for(lead)
    found = client.get("/inventory/systems/lookup/", {"q": "chat"}).json()["results"]
    assert [r["text"] for r in found] == [
        "Chatbot 0 (chatbot-0)",
        "Chatbot 1 (chatbot-1)",
        "Chatbot 2 (chatbot-2)",
    ]
    assert found[0]["id"] == systems[0].pk
    by_slug = client.get("/inventory/systems/lookup/", {"q": "scoring"}).json()["results"]
    assert [r["text"] for r in by_slug] == ["Credit scoring (credit-scoring)"]
    assert client.get("/inventory/systems/lookup/", {"q": " "}).json() == {"results": []}


def test_lookup_answers_at_most_twenty_in_constant_queries(client_for, lead):
    def add(numbers):
        for n in numbers:
            factories.ai_system(lead, slug=f"bulk-{n}", name=f"Bulk {n}")

    small, large = lookup_at_two_sizes(client_for(lead), "/inventory/systems/lookup/", add)
    assert (len(small[1]), len(large[1])) == (3, 20)
    assert small[0] == large[0]


def test_lookup_needs_a_login(client):
    response = client.get("/inventory/systems/lookup/", {"q": "a"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_lookup_offers_only_the_systems_a_scoped_user_may_see(client_for, admin_user, lead):
    from identity import services as identity

    inside = factories.ai_system(lead, slug="scope-inside", name="Scope inside")
    factories.ai_system(lead, slug="scope-outside", name="Scope outside")
    auditor = factories.UserFactory(role="auditor", username="engaged")
    identity.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="One system"
    )
    found = client_for(auditor).get("/inventory/systems/lookup/", {"q": "scope"}).json()
    assert found == {"results": [{"id": inside.pk, "text": "Scope inside (scope-inside)"}]}
