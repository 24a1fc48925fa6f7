"""List pages read of each joined record only the fields its name is written from, and
API lists drop the joins their answer does not read (aims_portal/records/joins.py). Every
list page and API list must answer the same, with the same number of queries, as when the
joined records are read whole: a field that a cell reads but the list did not load would
cost a query per row."""

import re
from io import StringIO
from unittest import mock

import django_tables2 as tables
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from aims_portal.models import User
from aims_portal.records import registered_types
from aims_portal.records.joins import column_paths, joins_read_by, names_only
from assessments.models import ImpactAssessment
from registry.models import AISystem, DataSource, ModelVersion

from . import list_plans


def whole(queryset, shown=()):
    return queryset


class ListJoinTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        cls.admin = User.objects.get(username="admin")

    def setUp(self):
        self.client.force_login(self.admin)

    def read(self, url):
        self.client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        assert response.status_code == 200, url
        body = re.search(r"<tbody.*?</tbody>", response.content.decode(), re.DOTALL)
        # A copy: the captured list is a window on the connection's log, which the next
        # request empties and refills.
        return list(queries.captured_queries), body.group(0) if body else ""

    def test_every_list_page_shows_the_same_with_the_same_queries(self):
        narrowed_lists = 0
        for rt in registered_types():
            with self.subTest(list=rt.list_url):
                queries, body = self.read(rt.list_url)
                with mock.patch("aims_portal.records.views.names_only", whole):
                    whole_queries, whole_body = self.read(rt.list_url)
                assert len(queries) == len(whole_queries), [q["sql"] for q in queries]
                assert body == whole_body
                # Fewer columns named: the same queries, shorter in all.
                narrowed_lists += sum(len(q["sql"]) for q in queries) < sum(
                    len(q["sql"]) for q in whole_queries
                )
        # Most lists join a person or a system: their page query got shorter.
        assert narrowed_lists >= 20, narrowed_lists

    def test_every_api_list_answers_the_same_without_the_joins_it_does_not_read(self):
        dropped = 0
        for route, _callback in list_plans.api_viewsets():
            url = route.replace("^", "").replace("$", "")
            with self.subTest(api=url):
                queries, _ = self.read(url)
                answer = self.client.get(url).json()
                with (
                    mock.patch("aims_portal.api.joins_read_by", whole),
                    mock.patch("integrity.api.attestation_views.names_only", whole),
                ):
                    whole_queries, _ = self.read(url)
                    whole_answer = self.client.get(url).json()
                assert answer == whole_answer
                assert len(queries) == len(whole_queries), [q["sql"] for q in queries]
                dropped += sum(q["sql"].count(" JOIN ") for q in queries) < sum(
                    q["sql"].count(" JOIN ") for q in whole_queries
                )
        # Most record lists name their owner, system or approver by id alone.
        assert dropped >= 15, dropped

    def test_a_joined_system_is_read_for_its_name_only(self):
        queries, body = self.read("/assessments/impact/")
        page_query = max((q["sql"] for q in queries), key=len)
        assert '"registry_aisystem"."name"' in page_query
        assert '"registry_aisystem"."description"' not in page_query
        assert '"aims_portal_user"."password"' not in page_query
        assert ImpactAssessment.objects.exists() and "<td" in body


def test_names_only_keeps_every_own_field_and_the_named_paths():
    class Table(tables.Table):
        system = tables.Column()
        tier = tables.Column(accessor="system__risk_tier")

        class Meta:
            model = DataSource
            fields = ("name", "system", "tier")

    paths = column_paths(Table)
    assert {"name", "system", "system__risk_tier"} <= set(paths)
    queryset = names_only(DataSource.objects.select_related("system"), paths)
    loaded, only = queryset.query.deferred_loading
    assert only is False or loaded  # an only() list
    assert {"system__name", "system__risk_tier", "name", "system"} <= set(loaded)
    assert "system__description" not in loaded


def test_names_only_leaves_what_it_cannot_narrow_whole():
    # No joins, a chosen column list, a join that goes further, a model without
    # name_fields, a column reading a property of the joined record.
    plain = AISystem.objects.all()
    assert names_only(plain) is plain
    chosen = AISystem.objects.select_related("owner").only("name", "owner__username")
    assert names_only(chosen) is chosen
    further = ModelVersion.objects.select_related("system__owner")
    assert names_only(further) is further
    supplier_owner = AISystem.objects.select_related("supplier__owner")
    assert names_only(supplier_owner) is supplier_owner
    through_property = DataSource.objects.select_related("system")
    assert names_only(through_property, ["system__get_absolute_url"]) is through_property


def test_a_method_field_or_property_keeps_every_join():
    from rest_framework import serializers

    class ByMethod(serializers.ModelSerializer):
        system_name = serializers.SerializerMethodField()

        class Meta:
            model = DataSource
            fields = ["id", "system", "system_name"]

        def get_system_name(self, source):
            return source.system.name

    class ByProperty(serializers.ModelSerializer):
        url = serializers.CharField(source="get_absolute_url")

        class Meta:
            model = DataSource
            fields = ["id", "system", "url"]

    class ByName(serializers.ModelSerializer):
        system = serializers.CharField(source="system.name")

        class Meta:
            model = DataSource
            fields = ["id", "system"]

    class ById(serializers.ModelSerializer):
        class Meta:
            model = DataSource
            fields = ["id", "system", "name"]

    joined = DataSource.objects.select_related("system")
    assert joins_read_by(joined, ByMethod) is joined
    assert joins_read_by(joined, ByProperty) is joined
    assert joins_read_by(joined, ByName) is joined
    assert joins_read_by(joined, ById).query.select_related is False
    partly = DataSource.objects.select_related("system", "system__owner")
    assert joins_read_by(partly, ById).query.select_related is False

    class VersionById(serializers.ModelSerializer):
        class Meta:
            model = ModelVersion
            fields = ["id", "system", "label"]

    class VersionBySlug(serializers.ModelSerializer):
        system = serializers.CharField(source="system.slug")

        class Meta:
            model = ModelVersion
            fields = ["id", "system", "label"]

    nested = ModelVersion.objects.select_related("system__owner")
    assert joins_read_by(nested, VersionById).query.select_related is False
    assert joins_read_by(nested, VersionBySlug) is nested  # the join and the one beyond stay


def test_a_property_declared_to_read_own_columns_drops_the_joins():
    from rest_framework import serializers

    from audits.models import CorrectiveAction

    class Undeclared(serializers.ModelSerializer):
        overdue = serializers.BooleanField(source="is_overdue")

        class Meta:
            model = CorrectiveAction
            fields = ["id", "finding", "owner", "overdue"]

    class Declared(Undeclared):
        class Meta(Undeclared.Meta):
            own_properties = ("is_overdue",)

    joined = CorrectiveAction.objects.select_related("finding", "owner")
    assert joins_read_by(joined, Undeclared) is joined
    assert joins_read_by(joined, Declared).query.select_related is False
