"""Every record type's list page, fed random query strings by hypothesis (its own filter
names, paging and sorting keys and random keys, with hostile values), as every role: the
answer is the page (200), a refusal (403) or an export, never a 500."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from aims_portal.records import registered_types

TYPES = sorted(registered_types(), key=lambda rt: rt.model._meta.label)
ROLES = ("admin", "lead", "owner", "exec", "auditor")
NASTY = [
    "",
    "-1",
    "0",
    "abc",
    "zzz",
    "²",
    "\x00",
    "99999999999999999999",
    "1e309",
    "2026-13-45",
    "9999-12-31",
    "true",
    "csv",
]


class ListQueryFuzz(TestCase):
    counts = {"requests": 0, "5xx": 0}

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        users = get_user_model().objects
        cls.users = {name: users.get(username=name) for name in ROLES}

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(TYPES), st.sampled_from(ROLES), st.data())
    def test_any_query_string_on_any_list_answers_below_500(self, rt, role, data):
        names = [*rt.filterset_class.base_filters, "page", "per_page", "sort", "q", "as_of"]
        keys = st.one_of(st.sampled_from(names), st.text(max_size=8))
        values = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.integers().map(str))
        params = data.draw(st.dictionaries(keys, values, max_size=5), label="query")
        self.client.force_login(self.users[role])
        response = self.client.get(rt.list_url, params)
        type(self).counts["requests"] += 1
        if response.status_code >= 500:
            type(self).counts["5xx"] += 1
        assert response.status_code in (200, 400, 403), (rt.list_url, params, response.status_code)

    @classmethod
    def tearDownClass(cls):
        print(f"list page fuzz: {cls.counts['requests']} requests, {cls.counts['5xx']} 5xx")
        super().tearDownClass()
