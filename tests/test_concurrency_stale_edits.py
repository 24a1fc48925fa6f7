"""Optimistic locking on every record type: an edit based on a version someone else has
since saved is refused with a clear message, and the first save is kept.

Swept over aims_portal.records.registered_types(): each type's edit page (submitted as a
browser would, from the page's own form) and its API update (PATCH with the stale
``version``). Two editors open the same version; the first saves; the second is refused
with 409 and the record still holds the first save.
"""

import html
from html.parser import HTMLParser
from io import StringIO

from django.core.management import call_command
from django.test import TestCase

from aims_portal.api_tokens import api_token_create
from aims_portal.records import registered_types
from aims_portal.urls import api

STALE_MESSAGE = "Your changes were not saved"
# Types with no editable demo record, and why; every other type must be swept.
NOT_SWEPT = {
    "audits.ChecklistLine": "the demo audits' checklists are closed with their audits",
    "audits.ManagementReview": "the demo reviews are completed, which freezes them",
    "governance.PolicyAcknowledgement": "an acknowledgement is never edited, only made",
}
TYPES = {rt.model._meta.label: rt for rt in registered_types()}


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's edit form (the one that carries
    ``expected_version``)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._form.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form.append((name, html.unescape(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def edit_form(self):
        for form in self.forms:
            if any(name == "expected_version" for name, _ in form):
                data = {}
                for name, value in form:
                    data.setdefault(name, []).append(value)
                return data
        return None


def api_prefix(model):
    for prefix, viewset, _ in api.registry:
        record_type = getattr(viewset, "record_type", None)
        if record_type is not None and record_type.model is model:
            return prefix
    return None


class StaleEdits(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        from django.contrib.auth import get_user_model

        cls.admin = get_user_model().objects.get(username="admin")
        cls.token = api_token_create(cls.admin).key

    def editable_record(self, rt):
        for record in rt.model.objects.order_by("pk"):
            if not getattr(record, "retired_at", None) and rt.is_editable(record):
                return record
        return None

    def first_save(self, rt, record):
        """The other editor's save: based on the same version, with only a reason."""
        saved = rt.update(
            record, actor=self.admin, data={}, expected_version=record.version, reason="First save"
        )
        self.assertEqual(saved.version, record.version + 1)

    def assert_first_save_kept(self, rt, record):
        current = rt.model.objects.get(pk=record.pk)
        self.assertEqual(current.version, record.version + 1)
        latest = current.history.order_by("-history_id").first()
        self.assertEqual(latest.history_change_reason, "First save")

    def sweep(self, check):
        covered, uncovered = [], []
        for label, rt in sorted(TYPES.items()):
            record = self.editable_record(rt)
            if record is None:
                uncovered.append(label)
                continue
            with self.subTest(record_type=label):
                check(rt, record)
                covered.append(label)
        print(
            f"stale-version sweep ({check.__name__}): {len(covered)} record types; "
            f"no editable demo record: {uncovered}"
        )
        self.assertEqual(sorted(uncovered), sorted(NOT_SWEPT))

    def test_edit_pages_refuse_a_stale_version(self):
        self.client.force_login(self.admin)

        def edit_page(rt, record):
            url = rt.object_urls(record)["edit"]
            page = self.client.get(url)
            self.assertEqual(page.status_code, 200)
            data = FormFields()
            data.feed(page.content.decode())
            data = data.edit_form()
            self.assertIsNotNone(data, f"{url}: no edit form with expected_version")
            self.assertEqual(data["expected_version"], [str(record.version)])
            data["change_reason"] = ["Second editor"]
            self.first_save(rt, record)

            response = self.client.post(url, data)

            self.assertEqual(response.status_code, 409, response.content.decode()[-2000:])
            self.assertIn(STALE_MESSAGE, response.content.decode())
            self.assert_first_save_kept(rt, record)

        self.sweep(edit_page)

    def test_every_record_type_has_an_api(self):
        missing = sorted(label for label, rt in TYPES.items() if not api_prefix(rt.model))
        self.assertEqual(missing, [])

    def test_api_updates_refuse_a_stale_version(self):
        def api_update(rt, record):
            url = f"/api/v1/{api_prefix(rt.model)}/{record.pk}/"
            stale = {"version": record.version, "change_reason": "Second editor"}
            self.first_save(rt, record)

            response = self.client.patch(
                url,
                stale,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {self.token}",
            )

            self.assertEqual(response.status_code, 409, response.content[:500])
            self.assertIn(STALE_MESSAGE, response.json()["detail"])
            self.assert_first_save_kept(rt, record)

        self.sweep(api_update)
