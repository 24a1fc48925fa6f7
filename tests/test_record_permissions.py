"""Who may create, edit and retire registry records: pages refuse, detail pages hide the
buttons, and the services refuse too, so the API and commands cannot bypass the matrix."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from registry import services as registry
from registry.forms import AISystemForm, SupplierForm
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = ["auditor", "executive"]


def edit_url(record):
    return f"{record.get_absolute_url()}edit/"


def retire_url(record):
    return f"{record.get_absolute_url()}retire/"


@pytest.fixture
def reader(request, users):
    """An auditor or an executive: they may read the inventory and change nothing in it."""
    return {"auditor": users["auditor"], "executive": users["executive"]}[request.param]


# --- read-only roles ------------------------------------------------------------------------


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
@pytest.mark.parametrize("url", ["/inventory/suppliers/new/", "/inventory/systems/new/"])
def test_read_only_roles_cannot_open_create_form(client_for, reader, url):
    assert client_for(reader).get(url).status_code == 403


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_cannot_post_create(client_for, reader, lead):
    data = factories.form_data(SupplierForm, name="Sneaky", services="x", owner=lead.pk)
    response = client_for(reader).post("/inventory/suppliers/new/", data)
    assert response.status_code == 403
    assert not Supplier.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_cannot_edit_supplier(client_for, reader, lead):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(SupplierForm, supplier, services="Changed")
    client = client_for(reader)
    assert client.get(edit_url(supplier)).status_code == 403
    assert client.post(edit_url(supplier), data).status_code == 403
    supplier.refresh_from_db()
    assert supplier.services == "Hosted model API"
    assert supplier.version == 1


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_cannot_edit_ai_system(client_for, reader, lead):
    system = factories.ai_system(lead, name="Original")
    data = factories.edit_data(AISystemForm, system, name="Changed")
    assert client_for(reader).post(edit_url(system), data).status_code == 403
    system.refresh_from_db()
    assert system.name == "Original"
    assert system.version == 1


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_cannot_retire_supplier(client_for, reader, lead):
    supplier = factories.supplier(lead, name="Acme")
    client = client_for(reader)
    assert client.get(retire_url(supplier)).status_code == 403
    assert client.post(retire_url(supplier), {"change_reason": "x"}).status_code == 403
    supplier.refresh_from_db()
    assert supplier.retired_at is None


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_can_read(client_for, reader, lead):
    supplier = factories.supplier(lead, name="Acme")
    system = factories.ai_system(lead, name="Bot")
    client = client_for(reader)
    assert client.get("/inventory/suppliers/").status_code == 200
    assert client.get(supplier.get_absolute_url()).status_code == 200
    assert client.get(system.get_absolute_url()).status_code == 200


def test_user_without_role_cannot_read_the_inventory(client_for, make_user, lead):
    supplier = factories.supplier(lead, name="Acme")
    client = client_for(make_user())
    assert client.get("/inventory/suppliers/").status_code == 403
    assert client.get(supplier.get_absolute_url()).status_code == 403


def test_anonymous_user_is_sent_to_login(client, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = client.get(edit_url(supplier))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_form_posts_need_a_csrf_token(lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    data = factories.form_data(SupplierForm, name="Acme", services="API", owner=lead.pk)
    assert client.post("/inventory/suppliers/new/", data).status_code == 403
    assert not Supplier.objects.exists()


# --- system owner: own records only -----------------------------------------------------------


def test_system_owner_may_edit_ai_system_they_own(client_for, owner):
    system = factories.ai_system(owner, name="Mine", owner=owner)
    data = factories.edit_data(AISystemForm, system, name="Mine, renamed")
    client = client_for(owner)
    assert client.get(edit_url(system)).status_code == 200
    response = client.post(edit_url(system), data)
    system.refresh_from_db()
    assert response.status_code == 302
    assert system.name == "Mine, renamed"
    assert system.history.order_by("-history_id").first().history_user == owner


def test_system_owner_cannot_edit_ai_system_owned_by_someone_else(client_for, owner, lead):
    system = factories.ai_system(lead, name="Theirs")
    data = factories.edit_data(AISystemForm, system, name="Hijacked")
    client = client_for(owner)
    assert client.get(edit_url(system)).status_code == 403
    assert client.post(edit_url(system), data).status_code == 403
    system.refresh_from_db()
    assert system.name == "Theirs"
    assert system.version == 1


def test_system_owner_cannot_hand_a_system_over(client_for, owner, lead):
    # Handing a system to someone else is a governance lead's decision (issue 15).
    system = factories.ai_system(owner, name="Mine", owner=owner)
    client = client_for(owner)
    response = client.post(
        edit_url(system), factories.edit_data(AISystemForm, system, owner=lead.pk)
    )
    assert response.status_code == 400
    assert "only create or keep records that you own" in response.content.decode()
    system.refresh_from_db()
    assert system.owner == owner and system.version == 1


def test_system_owner_may_create_ai_system(client_for, owner):
    assert client_for(owner).get("/inventory/systems/new/").status_code == 200


def test_system_owner_cannot_retire_supplier_they_own(client_for, owner):
    supplier = factories.supplier(owner, name="Mine", owner=owner)
    response = client_for(owner).post(retire_url(supplier), {"change_reason": "x"})
    supplier.refresh_from_db()
    assert response.status_code == 403
    assert supplier.retired_at is None


# --- governance lead ------------------------------------------------------------------------


def test_governance_lead_can_create_edit_and_retire(client_for, lead, owner):
    client = client_for(lead)
    created = client.post(
        "/inventory/suppliers/new/",
        factories.form_data(SupplierForm, name="Acme", services="API", owner=owner.pk),
    )
    supplier = Supplier.objects.get(name="Acme")
    assert created.status_code == 302
    edited = client.post(
        edit_url(supplier), factories.edit_data(SupplierForm, supplier, services="Data")
    )
    assert edited.status_code == 302
    retired = client.post(retire_url(supplier), {"change_reason": "Ended"})
    assert retired.status_code == 302
    supplier.refresh_from_db()
    assert supplier.services == "Data"
    assert supplier.retired_at is not None
    assert supplier.version == 3


def test_governance_lead_can_edit_ai_system_owned_by_someone_else(client_for, lead, owner):
    system = factories.ai_system(owner, name="Owner's", owner=owner)
    response = client_for(lead).post(
        edit_url(system), factories.edit_data(AISystemForm, system, name="Fixed by lead")
    )
    system.refresh_from_db()
    assert response.status_code == 302
    assert system.name == "Fixed by lead"


# --- detail page buttons ----------------------------------------------------------------------


def page(client, record):
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_lead_sees_edit_and_retire_on_supplier(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    html = page(client_for(lead), supplier)
    assert edit_url(supplier) in html
    assert retire_url(supplier) in html


@pytest.mark.parametrize("reader", READ_ONLY_ROLES, indirect=True)
def test_read_only_roles_see_no_edit_or_retire(client_for, reader, lead):
    supplier = factories.supplier(lead, name="Acme")
    system = factories.ai_system(lead)
    client = client_for(reader)
    supplier_html, system_html = page(client, supplier), page(client, system)
    assert edit_url(supplier) not in supplier_html
    assert retire_url(supplier) not in supplier_html
    assert edit_url(system) not in system_html
    # They still see the way to the history.
    assert f"/history/registry/supplier/{supplier.pk}/" in supplier_html


def test_system_owner_sees_edit_only_on_own_ai_system(client_for, owner, lead):
    mine = factories.ai_system(owner, name="Mine", owner=owner)
    theirs = factories.ai_system(lead, name="Theirs")
    client = client_for(owner)
    assert edit_url(mine) in page(client, mine)
    assert edit_url(theirs) not in page(client, theirs)


def test_system_owner_sees_no_retire_on_own_supplier(client_for, owner):
    supplier = factories.supplier(owner, name="Mine", owner=owner)
    html = page(client_for(owner), supplier)
    assert edit_url(supplier) in html
    assert retire_url(supplier) not in html


def test_retired_supplier_shows_no_edit_or_retire(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_retire(supplier, actor=lead, reason="Ended")
    html = page(client_for(lead), supplier)
    assert edit_url(supplier) not in html
    assert retire_url(supplier) not in html
    assert "Retired" in html


def test_create_button_shown_only_to_roles_that_may_create(client_for, lead, auditor):
    lead_html = client_for(lead).get("/inventory/suppliers/").content.decode()
    auditor_html = client_for(auditor).get("/inventory/suppliers/").content.decode()
    assert "/inventory/suppliers/new/" in lead_html
    assert "/inventory/suppliers/new/" not in auditor_html


# --- services refuse on their own -------------------------------------------------------------


def test_services_refuse_auditor_create(auditor, lead):
    with pytest.raises(PermissionDenied):
        factories.supplier(auditor, name="Sneaky", owner=lead)
    with pytest.raises(PermissionDenied):
        factories.ai_system(auditor, owner=lead)
    assert not Supplier.objects.exists()
    assert not AISystem.objects.exists()


def test_services_refuse_auditor_update(auditor, lead):
    supplier = factories.supplier(lead, name="Acme")
    system = factories.ai_system(lead, name="Bot")
    with pytest.raises(PermissionDenied):
        registry.supplier_update(
            supplier, actor=auditor, data={"services": "x"}, expected_version=1, reason="x"
        )
    with pytest.raises(PermissionDenied):
        registry.ai_system_update(
            system, actor=auditor, data={"name": "x"}, expected_version=1, reason="x"
        )
    supplier.refresh_from_db()
    system.refresh_from_db()
    assert (supplier.services, supplier.version) == ("Hosted model API", 1)
    assert (system.name, system.version) == ("Bot", 1)


def test_services_refuse_auditor_retire(auditor, lead):
    supplier = factories.supplier(lead, name="Acme")
    with pytest.raises(PermissionDenied):
        registry.supplier_retire(supplier, actor=auditor, reason="x")
    supplier.refresh_from_db()
    assert supplier.retired_at is None


def test_services_refuse_system_owner_on_someone_elses_system(owner, lead):
    system = factories.ai_system(lead, name="Theirs")
    with pytest.raises(PermissionDenied):
        registry.ai_system_update(
            system, actor=owner, data={"name": "Hijacked"}, expected_version=1, reason="x"
        )
    system.refresh_from_db()
    assert system.name == "Theirs"


def test_services_check_ownership_against_the_saved_record(owner, lead):
    # A caller cannot pass an in-memory copy claiming the owner is the actor.
    system = factories.ai_system(lead, name="Theirs")
    system.owner = owner
    with pytest.raises(PermissionDenied):
        registry.ai_system_update(
            system, actor=owner, data={"name": "Hijacked"}, expected_version=1, reason="x"
        )
    assert AISystem.objects.get(pk=system.pk).name == "Theirs"
