"""Every API operation in the OpenAPI schema, fed hostile bodies and query strings: JSON
nested 50,000 deep, lone surrogates, NUL characters, random nesting depths (hypothesis) and
random list parameters. Each answer is JSON and below 500; the deep and unstorable bodies
are refused with 400 saying why. Attestation operations are called with an attestation
token, the rest as each role in turn."""

import re
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from aims_portal.api_input import MAX_JSON_DEPTH
from integrity.attestations import attestation_token_create
from registry.models import AISystem

ROLES = ("admin", "lead", "owner", "exec", "auditor")
BODY_METHODS = ("post", "put", "patch")
NASTY = ["", "-1", "0", "abc", "²", "\x00", "99999999999999999999", "1e309", "2026-13-45"]


def deep(depth, kind="list"):
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


class APIInputFuzz(TestCase):
    counts = {"requests": 0, "5xx": 0}

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        users = get_user_model().objects
        cls.users = {name: users.get(username=name) for name in ROLES}
        system = AISystem.objects.get(slug="support-assistant")
        cls.attestation_key = attestation_token_create(
            actor=cls.users["admin"], system=system, name="Fuzz gateway"
        )[1]

    @classmethod
    def operations(cls, client):
        """(url, method, operation) of every operation, a record's placeholder filled with
        the id of a record that exists (ids are not 1 on PostgreSQL after earlier tests:
        sequences are not rolled back), other placeholders with 1."""
        schema = client.get("/api/v1/schema/?format=json").json()
        ids = {}

        def first_id(match):
            collection = match.string[: match.start()]
            if match.group(1) not in ("id", "pk") or not collection.startswith("/api/"):
                return "1"
            if collection not in ids:
                answer = client.get(collection)
                rows = answer.json().get("results", []) if answer.status_code == 200 else []
                rows = [r for r in rows if isinstance(r, dict) and "id" in r]
                ids[collection] = str(rows[0]["id"]) if rows else "1"
            return ids[collection]

        found = []
        for path, methods in schema["paths"].items():
            url = re.sub(r"\{([^}]+)\}", first_id, path)
            for method, operation in methods.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    found.append((url, method, operation))
        return found

    def call(self, role, url, method, body=None, params=None):
        headers = {}
        if "/attestations/" in url and method == "post":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.attestation_key}"
            self.client.logout()
        else:
            self.client.force_login(self.users[role])
        if body is None:
            response = getattr(self.client, method)(url, params or {})
        else:
            response = getattr(self.client, method)(
                url, body, content_type="application/json", **headers
            )
        type(self).counts["requests"] += 1
        if response.status_code >= 500:
            type(self).counts["5xx"] += 1
        assert response.status_code < 500, (role, method, url, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (method, url)
        return response

    def body_operations(self):
        self.client.force_login(self.users["admin"])
        return [
            (u, m)
            for u, m, operation in self.operations(self.client)
            if m in BODY_METHODS and "requestBody" in operation  # those that read a body
        ]

    def test_json_nested_50000_deep_is_refused_on_every_operation(self):
        operations = self.body_operations()
        assert len(operations) > 60
        refused, unread = 0, []
        for url, method in operations:
            for kind in ("list", "object"):
                response = self.call("admin", url, method, deep(50_000, kind))
                body = response.json()
                if "nested more than" in str(body.get("detail")):
                    assert response.status_code == 400
                    refused += 1
                else:  # answered without reading the body (no such step, a token call)
                    ignores_body = url == "/api/v1/auth/token/"
                    assert ignores_body or 400 <= response.status_code < 500, (url, body)
                    unread.append((method, url, response.status_code, str(body)[:80]))
        assert refused > len(operations), unread

    def test_lone_surrogates_and_nul_are_refused_on_every_operation(self):
        for url, method in self.body_operations():
            for text, what in (('"\\ud800"', "lone surrogate"), ('"a\\u0000b"', "NUL")):
                body = f'{{"title": {text}, "name": {text}, "system": {text}, "x": [{text}]}}'
                response = self.call("admin", url, method, body)
                if response.status_code == 400 and response.json().get("code") == "parse_error":
                    assert what in response.json()["detail"], url

    def test_a_surrogate_in_an_attestation_is_refused_with_a_clear_message(self):
        response = self.call(
            "admin",
            "/api/v1/registry/attestations/",
            "post",
            '{"system": "support-assistant", "metadata": {"note": "\\udfff"}}',
        )
        assert response.status_code == 400
        assert response.json()["detail"] == (
            "The text at /metadata/note contains a lone surrogate (\\udfff), "
            "which is not valid Unicode."
        )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data(), st.integers(min_value=1, max_value=3 * MAX_JSON_DEPTH))
    def test_any_nesting_depth_answers_below_500(self, data, depth):
        operations = getattr(type(self), "_body_ops", None) or self.body_operations()
        type(self)._body_ops = operations
        url, method = data.draw(st.sampled_from(operations), label="operation")
        role = data.draw(st.sampled_from(ROLES), label="role")
        kind = data.draw(st.sampled_from(["list", "object"]), label="kind")
        response = self.call(role, url, method, deep(depth, kind))
        detail = str(response.json().get("detail", "")) if response.status_code == 400 else ""
        # Within the limit the depth is never the complaint; beyond it, only endpoints that
        # answer without reading the body (no such step, a token call) give another answer.
        assert ("nested more than" in detail) <= (depth > MAX_JSON_DEPTH)

    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def test_any_list_query_string_answers_below_500(self, data):
        lists = getattr(type(self), "_lists", None)
        if lists is None:
            self.client.force_login(self.users["admin"])
            lists = [
                (url, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
                for url, method, op in self.operations(self.client)
                if method == "get" and "1" not in url.split("/")
            ]
            type(self)._lists = lists
        url, names = data.draw(st.sampled_from(lists), label="list")
        keys = st.one_of(st.sampled_from([*names, "page", "page_size"]), st.text(max_size=8))
        values = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.integers().map(str))
        params = data.draw(st.dictionaries(keys, values, max_size=4), label="params")
        self.call(data.draw(st.sampled_from(ROLES), label="role"), url, "get", params=params)

    @classmethod
    def tearDownClass(cls):
        print(f"API input fuzz: {cls.counts['requests']} requests, {cls.counts['5xx']} 5xx")
        super().tearDownClass()


def test_deep_check_does_not_recurse():
    from aims_portal.api_input import check_json_value

    value = []
    for _ in range(100_000):
        value = [value]
    try:
        check_json_value(value)
    except Exception as refused:
        assert "nested more than" in str(refused)
    else:
        raise AssertionError("a value 100,000 deep passed the check")
    check_json_value({"a": [1, {"b": "c"}]})
