"""Every record form (create and edit pages of every registered record type) and the
controlled-document and evidence uploads, fed by hypothesis: each failure is a form error
(4xx), never a 500, and a refused save writes nothing."""

from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from aims_portal.records import registered_types
from aims_portal.records.forms import edit_form_class

TYPES = sorted(registered_types(), key=lambda rt: rt.model._meta.label)
NASTY = [
    "",
    "0",
    "-1",
    "99999999999999999999999",
    "2026-13-45",
    "1e309",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "\x00",
    "x" * 5000,
    "[1, 2",
    '{"a": }',
]
field_values = st.one_of(
    st.text(max_size=60), st.sampled_from(NASTY), st.integers().map(str), st.just("1")
)
OK_STATUSES = (200, 302, 400, 409)


def footprint(model):
    return (model._default_manager.count(), model.history.count())


class FormFuzz(TestCase):
    examples = 0

    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())
        from django.contrib.auth import get_user_model

        cls.admin = get_user_model().objects.get(username="admin")

    def post(self, url, data, model, files=None):
        self.client.force_login(self.admin)
        before = footprint(model)
        response = self.client.post(url, {**data, **(files or {})})
        assert response.status_code in OK_STATUSES, (url, response.status_code, data)
        if response.status_code != 302:
            assert footprint(model) == before, f"{url}: refused but wrote something"
        type(self).examples += 1
        return response

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(TYPES), st.data())
    def test_create_forms(self, rt, data):
        fields = list(rt.form_class.base_fields)
        values = {name: data.draw(field_values, label=name) for name in fields}
        self.post(rt.create_url, values, rt.model)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(TYPES), st.data())
    def test_edit_forms(self, rt, data):
        record = rt.model._default_manager.order_by("pk").first()
        fields = list(edit_form_class(rt.form_class).base_fields)
        values = {name: data.draw(field_values, label=name) for name in fields}
        if data.draw(st.booleans(), label="current version"):
            values["expected_version"] = str(record.version)
        self.post(rt.object_urls(record)["edit"], values, rt.model)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.binary(max_size=300),
        st.text(min_size=1, max_size=40).filter(lambda n: "/" not in n and "\x00" not in n),
        st.sampled_from(["", "1", "abc", "-5"]),
        st.text(max_size=30),
    )
    def test_controlled_document_upload(self, blob, name, version, reason):
        from controls.models import ControlledDocument

        document = ControlledDocument.objects.order_by("pk").first()
        upload = SimpleUploadedFile(name, blob)
        values = {"expected_version": version or str(document.version), "change_reason": reason}
        self.post(
            f"/controls/documents/{document.pk}/file/",
            values,
            ControlledDocument,
            files={"file": upload},
        )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.binary(max_size=300),
        st.sampled_from(["a.pdf", "a.png", "a.txt", "a.exe", "a", ".pdf", "x.PDF", "a.docx"]),
        st.sampled_from(["file", "link", "record", "", "bogus"]),
        st.data(),
    )
    def test_evidence_upload(self, blob, name, kind, data):
        from audits.models import EvidenceItem
        from audits.records import evidence

        target = data.draw(st.sampled_from(["checklist_line", "finding", "corrective_action", ""]))
        values = {
            "kind": kind,
            "title": data.draw(field_values, label="title"),
            "url": data.draw(field_values, label="url"),
            "record_link": data.draw(field_values, label="record_link"),
        }
        if target:
            values[target] = data.draw(st.sampled_from(["1", "2", "999", "x"]), label=target)
        self.post(
            evidence.create_url,
            values,
            EvidenceItem,
            files={"upload": SimpleUploadedFile(name, blob)},
        )

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.binary(max_size=300),
        st.sampled_from(["a.pdf", "a.png", "a.txt", "a.exe", "a", "x.PDF", "../../etc/a.txt"]),
        st.sampled_from(["file", "link", "record", "", "bogus"]),
        st.data(),
    )
    def test_evidence_upload_through_the_api(self, blob, name, kind, data):
        from aims_portal.api_tokens import api_token_create
        from audits.models import EvidenceItem

        token = api_token_create(self.admin).key
        target = data.draw(st.sampled_from(["checklist_line", "finding", "corrective_action", ""]))
        values = {"kind": kind, "title": data.draw(field_values, label="title")}
        if target:
            values[target] = data.draw(st.sampled_from(["1", "2", "999", "x"]), label=target)
        values["upload"] = SimpleUploadedFile(name, blob)
        before = footprint(EvidenceItem)
        response = self.client.post(
            "/api/v1/audits/evidence/", values, HTTP_AUTHORIZATION=f"Token {token}"
        )
        assert response.status_code in (201, 400), (response.status_code, response.content[:300])
        if response.status_code == 400:
            assert footprint(EvidenceItem) == before
        else:
            assert "/" not in response.json().get("file_name", "")
        type(self).examples += 1

    @classmethod
    def tearDownClass(cls):
        print(f"form fuzz: {cls.examples} examples")
        super().tearDownClass()
