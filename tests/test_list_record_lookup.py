"""Filters over tables that grow (audits, programmes, suppliers, documents, objectives,
competences, AI systems) are searched through one generic lookup endpoint, not listed as
an <option> per row; the lookup answers only what the user may see, at most twenty rows,
in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal import roles
from identity import services as identity
from registry.models import AISystem

from . import factories
from .lookups import lookup_at_two_sizes
from .test_audits_setup import *  # noqa: F403  (fixtures)
from .test_audits_setup import line

pytestmark = pytest.mark.django_db

# list page, filter name, lookup URL of the record type it chooses
SEARCHED_FILTERS = [
    ("/inventory/systems/", "supplier", "/lookup/registry/supplier/"),
    ("/audits/audits/", "programme", "/lookup/audits/auditprogramme/"),
    ("/audits/checklist/", "audit", "/lookup/audits/audit/"),
    ("/audits/findings/", "audit", "/lookup/audits/audit/"),
    ("/audits/findings/", "certification_audit", "/lookup/audits/certificationaudit/"),
    ("/governance/acknowledgements/", "document", "/lookup/controls/controlleddocument/"),
    ("/governance/raci/", "system", "/lookup/registry/aisystem/"),
    ("/governance/measurements/", "objective", "/lookup/governance/objective/"),
    ("/governance/competences/", "system", "/lookup/registry/aisystem/"),
    ("/governance/training/", "competence", "/lookup/governance/competence/"),
    ("/audits/certification/audits/", "body", "/lookup/audits/certificationbody/"),
    ("/audits/certification/certificates/", "body", "/lookup/audits/certificationbody/"),
]

# Record types the catalogue bounds to a few dozen rows: a menu of them stays short.
BOUNDED = {"Control", "Requirement", "SoAEntry", "ScoringMethod"}


def test_no_list_filter_offers_a_menu_of_a_growing_record_type():
    """Every filter that chooses a record of a type that grows is a search box: a menu would
    write one <option> per row into every list page (2,000 certification bodies made the
    certificates page 219 kB and 17 times its floor)."""
    import django_filters
    from django.contrib.auth import get_user_model

    from aims_portal.record_registry import registered_types
    from aims_portal.records.filters import LookupFilter

    growing = {rt.model for rt in registered_types() if rt.model.__name__ not in BOUNDED}
    growing.add(get_user_model())  # people: an organisation has hundreds or thousands

    def chosen_model(declared):
        queryset = declared.queryset
        # A queryset given as a function of the request: what it gives with none.
        return (queryset(None) if callable(queryset) else queryset).model

    menus = [
        f"{rt.list_url} {name}"
        for rt in registered_types()
        for name, declared in rt.filterset_class.base_filters.items()
        if isinstance(
            declared, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter
        )
        and not isinstance(declared, LookupFilter)
        and chosen_model(declared) in growing
    ]
    assert not menus, menus


@pytest.mark.parametrize(("url", "name", "lookup"), SEARCHED_FILTERS)
def test_the_filter_is_a_search_box_not_a_menu(client_for, lead, url, name, lookup):
    factories.supplier(lead, name="Acme Models")
    factories.ai_system(lead, name="Menu Bot", slug="menu-bot")
    page = client_for(lead).get(url).content.decode()
    assert f'name="{name}"' in page
    assert f'data-remote-url="{lookup}"' in page
    assert f'<select name="{name}"' not in page
    assert ">Acme Models</option>" not in page and ">Menu Bot</option>" not in page


def test_systems_filter_by_supplier_id_name_and_show_its_name(client_for, lead):
    acme = factories.supplier(lead, name="Acme Models")
    other = factories.supplier(lead, name="Other Labs")
    mine = factories.ai_system(lead, name="Acme bot", supplier=acme)
    factories.ai_system(lead, name="Other bot", supplier=other)
    client = client_for(lead)
    for value in (acme.pk, "Acme Models"):
        response = client.get("/inventory/systems/", {"supplier": value})
        assert [s.pk for s in response.context["table"].data] == [mine.pk], value
    page = client.get("/inventory/systems/", {"supplier": acme.pk}).content.decode()
    assert 'data-remote-label="Acme Models"' in page


PERSON_FILTERS = [
    ("/inventory/systems/", "owner"),
    ("/inventory/suppliers/", "owner"),
    ("/assessments/impact/", "owner"),
    ("/assessments/risks/", "owner"),
    ("/controls/clauses/", "owner"),
    ("/controls/documents/", "owner"),
    ("/audits/audits/", "lead_auditor"),
    ("/audits/actions/", "owner"),
    ("/governance/context/", "owner"),
    ("/governance/acknowledgements/", "person"),
    ("/governance/raci/", "person"),
    ("/governance/objectives/", "owner"),
    ("/governance/training/", "person"),
    ("/governance/communication/", "responsible"),
]


@pytest.mark.parametrize(("url", "name"), PERSON_FILTERS)
def test_a_filter_on_a_person_is_a_search_box(client_for, lead, make_user, url, name):
    make_user(roles.SYSTEM_OWNER, username="omar", first_name="Omar", last_name="Owner")
    page = client_for(lead).get(url).content.decode()
    assert f'name="{name}"' in page
    assert 'data-remote-url="/lookup/people/"' in page
    assert f'<select name="{name}"' not in page
    assert ">Omar Owner</option>" not in page


def test_systems_filter_by_owner_id_or_username_and_show_the_name(client_for, lead, make_user):
    omar = make_user(roles.SYSTEM_OWNER, username="omar", first_name="Omar", last_name="Owner")
    mine = factories.ai_system(lead, name="Omar's bot", owner=omar)
    factories.ai_system(lead, name="Lead's bot", owner=lead)
    client = client_for(lead)
    for value in (omar.pk, "omar", " omar "):
        response = client.get("/inventory/systems/", {"owner": value})
        assert [s.pk for s in response.context["table"].data] == [mine.pk], value
    page = client.get("/inventory/systems/", {"owner": omar.pk}).content.decode()
    assert 'data-remote-label="Omar Owner"' in page
    response = client.get("/inventory/systems/", {"owner": "nobody-here"})
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Filter ignored. Owner:") for m in shown), shown
    assert len(response.context["table"].data) == 2


def test_people_lookup_matches_each_word_of_a_name(client_for, lead, make_user):
    make_user(roles.SYSTEM_OWNER, username="omar", first_name="Omar", last_name="Owner")
    make_user(roles.AUDITOR, username="ali", first_name="Ali", last_name="Auditor")
    make_user(roles.AUDITOR, username="gone", first_name="Omar", last_name="Left", is_active=False)
    client = client_for(lead)

    def texts(q):
        return [r["text"] for r in client.get("/lookup/people/", {"q": q}).json()["results"]]

    assert texts("omar") == ["Omar Owner"]  # the inactive Omar is not offered
    assert texts("omar owner") == ["Omar Owner"]
    assert texts("OWN") == ["Omar Owner"]
    assert texts("ali") == ["Ali Auditor"]
    assert texts("omar auditor") == []
    assert texts("   ") == [] and texts("") == []


def test_people_lookup_needs_a_login_and_answers_twenty_in_constant_queries(
    client, client_for, lead, make_user
):
    assert client.get("/lookup/people/", {"q": "a"}).status_code == 302

    def add(numbers):
        for n in numbers:
            make_user(roles.AUDITOR, username=f"bulk{n:02}")

    small, large = lookup_at_two_sizes(client_for(lead), "/lookup/people/", add)
    assert (len(small[1]), len(large[1])) == (3, 20)
    assert small[0] == large[0]


def test_findings_filter_by_audit_reference(client_for, lead, ia, nc_finding, started_audit):
    client = client_for(lead)
    response = client.get("/audits/findings/", {"audit": started_audit.reference})
    assert [f.pk for f in response.context["table"].data] == [nc_finding.pk]
    response = client.get("/audits/checklist/", {"audit": started_audit.reference})
    assert {ln.audit_id for ln in response.context["table"].data} == {started_audit.pk}
    assert line(started_audit, "9.2").pk in {ln.pk for ln in response.context["table"].data}


@pytest.mark.parametrize("value", ["no-such-audit", "999999999", "9" * 40, "a\x00b"])
def test_an_unknown_audit_is_refused_with_a_message(client_for, lead, value):
    response = client_for(lead).get("/audits/checklist/", {"audit": value})
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Filter ignored. Audit:") for m in shown), shown


def test_lookup_finds_audits_by_reference_or_title(client_for, lead, ia, planned_audit):
    client = client_for(lead)
    by_ref = client.get("/lookup/audits/audit/", {"q": planned_audit.reference.lower()})
    assert by_ref.json() == {"results": [{"id": planned_audit.pk, "text": str(planned_audit)}]}
    by_title = client.get("/lookup/audits/audit/", {"q": "internal AUDIT"}).json()["results"]
    assert [r["id"] for r in by_title] == [planned_audit.pk]
    assert client.get("/lookup/audits/audit/", {"q": "nothing like it"}).json() == {"results": []}
    assert client.get("/lookup/audits/audit/", {"q": "  "}).json() == {"results": []}


def test_lookup_finds_a_programme_by_its_year(client_for, lead, ia, planned_audit):
    programme = planned_audit.programme
    found = client_for(lead).get("/lookup/audits/auditprogramme/", {"q": str(programme.year)})
    assert [r["id"] for r in found.json()["results"]] == [programme.pk]


def test_lookup_answers_at_most_twenty_in_constant_queries(client_for, lead):
    def add(numbers):
        for n in numbers:
            factories.supplier(lead, name=f"Bulk {n:02}")

    small, large = lookup_at_two_sizes(client_for(lead), "/lookup/registry/supplier/", add)
    assert small[1] == ["Bulk 00", "Bulk 01", "Bulk 02"]
    assert large[1] == [f"Bulk {n:02}" for n in range(20)]
    assert small[0] == large[0]


def test_a_scoped_user_is_offered_only_systems_in_scope(client_for, admin_user, lead, auditor):
    inside = factories.ai_system(lead, name="Scoped inside", slug="scoped-inside")
    factories.ai_system(lead, name="Scoped outside", slug="scoped-outside")
    identity.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="Engaged for one system"
    )
    found = client_for(auditor).get("/lookup/registry/aisystem/", {"q": "scoped"}).json()
    assert found == {"results": [{"id": inside.pk, "text": str(inside)}]}
    assert AISystem.objects.filter(name__startswith="Scoped").count() == 2


def test_lookup_refuses_who_may_not_read_the_records(client, client_for, make_user):
    stranger = make_user(role=None)
    assert client_for(stranger).get("/lookup/audits/audit/", {"q": "a"}).status_code == 403
    client.logout()
    response = client.get("/lookup/audits/audit/", {"q": "a"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/lookup/audits/nosuchmodel/",
        "/lookup/nosuchapp/audit/",
        "/lookup/audits/evidenceitem/",  # a record type without lookup fields
        "/lookup/auth/user/",  # not a record type
    ],
)
def test_lookup_of_no_record_type_is_not_found(client_for, lead, path):
    assert client_for(lead).get(path, {"q": "a"}).status_code == 404


def test_lookup_answers_get_only(client_for, lead):
    assert client_for(lead).post("/lookup/audits/audit/", {"q": "a"}).status_code == 405


def test_a_list_page_leaves_the_header_counts_to_their_own_request(client_for, lead):
    """No page waits for the header badges: the page asks for them once it has loaded, and
    that request counts each once."""
    client = client_for(lead)
    client.get("/audits/findings/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/audits/findings/")
    assert not [q for q in captured if "aims_portal_notification" in q["sql"]]
    assert 'hx-get="/header-badges/"' in response.content.decode()
    with CaptureQueriesContext(connection) as captured:
        badges = client.get("/header-badges/")
    assert len([q for q in captured if "aims_portal_notification" in q["sql"]]) == 1
    assert badges.context["unread_notifications"] == 0
    assert "hx-get" not in badges.content.decode()
