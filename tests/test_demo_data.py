"""The demo loader: one user per role with working logins, a varied inventory, idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from aims_portal import roles
from aims_portal.management.commands.seed_demo import DEMO_USERS, demo_password
from registry.models import AISystem, Supplier


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_prints_one_login_per_role(seeded):
    for username, role, _, _ in DEMO_USERS:
        assert f"{username:<8} / {demo_password(username)}" in seeded
        assert roles.role_label(role) in seeded
    assert {role for _, role, _, _ in DEMO_USERS} == set(roles.role_names())


def test_each_demo_user_logs_in_with_the_printed_password(seeded, client):
    for username, _, _, _ in DEMO_USERS:
        assert client.login(username=username, password=demo_password(username)), username
        assert client.get("/").status_code == 200
        client.logout()


def test_inventory_spans_risk_tiers_and_stages(seeded):
    assert set(AISystem.objects.values_list("risk_tier", flat=True)) == set(AISystem.RiskTier)
    assert set(AISystem.objects.values_list("stage", flat=True)) == set(AISystem.Stage)
    assert Supplier.objects.count() >= 3
    assert all(s.history.exists() for s in AISystem.objects.all())


def test_running_it_again_changes_nothing(seeded):
    counts = (AISystem.objects.count(), Supplier.objects.count(), AISystem.history.count())
    call_command("seed_demo", stdout=StringIO())
    assert (AISystem.objects.count(), Supplier.objects.count(), AISystem.history.count()) == counts


def test_demo_roles_see_what_their_role_allows(seeded, client):
    client.login(username="auditor", password=demo_password("auditor"))
    assert client.get("/inventory/systems/").status_code == 200
    assert client.get("/inventory/systems/new/").status_code == 403
    client.login(username="owner", password=demo_password("owner"))
    assert client.get("/inventory/systems/new/").status_code == 200
    assert client.get("/admin/", follow=True).status_code == 403


def test_the_registers_provide_every_documented_information_item(seeded):
    from controls import documented_information

    entries = {e.item.key: e for e in documented_information.entries()}
    assert [key for key, e in entries.items() if not e.provided] == []
    # The management-system registers, not only documents marked with an item, provide them.
    assert entries["aims-scope"].sources[0].label.startswith("AIMS scope statement v")
    assert (
        entries["monitoring-results"].sources[0].label.startswith("Measurements of AI objectives: ")
    )
    assert entries["roles-responsibilities"].sources[0].label.startswith("RACI: ")
