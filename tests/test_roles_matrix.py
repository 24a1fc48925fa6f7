"""The roles matrix (roles.yaml) is what the pages enforce, role by role."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from aims_portal import roles

from . import factories

ROLES = roles.role_names()


def test_matrix_names_the_five_roles_of_the_design():
    assert set(ROLES) == {"admin", "governance_lead", "system_owner", "executive", "auditor"}


@pytest.mark.django_db
def test_migration_created_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_auditor_can_only_read_and_export():
    for area in roles.matrix().areas:
        allowed = {
            action
            for action in roles.matrix().actions
            if roles.matrix().grant(roles.AUDITOR, area, action)
        }
        assert allowed <= {"view", "export"}, (area, allowed)


@pytest.mark.django_db
def test_user_without_role_can_do_nothing(make_user):
    nobody = make_user()
    assert not any(
        roles.can(nobody, action, area)
        for area in roles.matrix().areas
        for action in roles.matrix().actions
    )


@pytest.mark.django_db
def test_own_only_grant_depends_on_the_record(owner, lead):
    mine = factories.ai_system(lead, owner=owner)
    theirs = factories.ai_system(lead, owner=lead)
    assert roles.can(owner, "change", "inventory", mine)
    assert not roles.can(owner, "change", "inventory", theirs)


def _expected(role, action, record=None, user=None):
    grant = roles.matrix().grant(role, "inventory", action)
    if not grant:
        return False
    return not grant.own_only or record is None or roles.owns(user, record)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_inventory_pages_follow_the_matrix_row(role, users, client_for, lead):
    user = users[role]
    supplier = factories.supplier(lead, owner=lead)
    client = client_for(user)
    pages = {
        "view": reverse("registry:supplier-list"),
        "create": reverse("registry:supplier-create"),
        "change": reverse("registry:supplier-edit", args=[supplier.pk]),
        "delete": reverse("registry:supplier-retire", args=[supplier.pk]),
        "export": reverse("registry:supplier-list") + "?_export=csv",
    }
    for action, url in pages.items():
        status = client.get(url).status_code
        # Only change and delete act on the supplier; "create:own" is checked on the record
        # being made (tests/test_owner_scope.py), not on this one.
        record = supplier if action in ("change", "delete") else None
        expected = _expected(role, action, record, user)
        assert (status == 200) == expected, (role, action, status)
        assert status in (200, 403), (role, action, status)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_inventory_api_follows_the_matrix_row(role, users, client_for, lead):
    user = users[role]
    client = client_for(user)
    listing = client.get("/api/v1/registry/suppliers/")
    assert (listing.status_code == 200) == _expected(role, "view")
    created = client.post(
        "/api/v1/registry/suppliers/",
        {"name": f"API {role}", "services": "Hosting", "owner": user.pk},
        content_type="application/json",
    )
    assert (created.status_code == 201) == _expected(role, "create"), created.content


@pytest.mark.django_db
def test_only_admins_reach_the_admin_site(users, client_for):
    for role, user in users.items():
        status = client_for(user).get("/admin/").status_code
        assert (status == 200) == (role == roles.ADMIN), (role, status)
