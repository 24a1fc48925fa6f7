"""A user's groups (the roles) are versioned: a change through the portal is a version in the
ledger, a group granted or revoked with raw SQL is reported by every verification."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aims_portal import history, roles
from aims_portal.models import User
from integrity import services
from integrity.models import LedgerEntry

from . import factories

pytestmark = pytest.mark.django_db


def _links_sql(statement, user, group):
    table = connection.ops.quote_name(User.groups.through._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), [user.pk, group.pk])


def _group_problems():
    return [p["message"] for p in services.chain_check().problems if "groups" in p["message"]]


def test_a_role_given_through_the_portal_is_a_version_in_the_ledger(owner):
    executive = Group.objects.get_or_create(name=roles.EXECUTIVE)[0]
    versions = owner.history.count()
    owner.groups.add(executive)
    latest = owner.history.latest("history_id")
    assert owner.history.count() == versions + 1
    field = User._meta.get_field("groups")
    links = history.version_links(User, field, [latest.history_id])[latest.history_id]
    assert executive.pk in links
    link_rows = User.history.model.groups.model.objects.filter(history_id=latest.history_id)
    assert LedgerEntry.objects.filter(
        covered_model="aims_portal.historicaluser_groups",
        covered_id__in=link_rows.values("pk"),
    ).exists()
    assert factories.checked_ledger().problems == []


def test_a_group_inserted_with_raw_sql_is_reported(owner):
    assert factories.checked_ledger().problems == []
    admin = Group.objects.get_or_create(name=roles.ADMIN)[0]
    _links_sql("INSERT INTO {table} (user_id, group_id) VALUES (%s, %s)", owner, admin)
    assert roles.ADMIN in roles.user_roles(User.objects.get(pk=owner.pk))
    found = _group_problems()
    assert len(found) == 1
    assert "link added outside the portal" in found[0] and f"#{admin.pk}" in found[0]


def test_a_group_deleted_with_raw_sql_is_reported(owner):
    assert factories.checked_ledger().problems == []
    group = owner.groups.get()
    _links_sql("DELETE FROM {table} WHERE user_id = %s AND group_id = %s", owner, group)
    found = _group_problems()
    assert len(found) == 1 and "link removed outside the portal" in found[0]
