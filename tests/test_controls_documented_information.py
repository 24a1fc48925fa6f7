"""The documented-information list: computed live from the portal's records, gaps shown,
apps and approved controlled documents providing items, the page, its PDF and the API
(the PDF's background job: tests/test_controls_information_export.py)."""

from datetime import date, timedelta

import pytest

from aims_portal import readiness
from controls import documented_information, services
from controls.catalogue import soa_document

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def entry(key):
    return next(e for e in documented_information.entries() if e.item.key == key)


def document(lead, **data):
    return services.document_create(
        actor=lead,
        data={
            "ref": "DOC-1",
            "title": "Competence matrix",
            "kind": "record",
            "owner": lead,
            "review_date": date.today() + timedelta(days=300),
            **data,
        },
    )


def approve(doc, lead, executive):
    doc = services.document_transition(doc, "submit", actor=lead)
    return services.document_transition(doc, "approve", actor=executive, reason="OK")


def test_an_empty_portal_shows_every_item_as_a_gap():
    entries = documented_information.entries()
    assert len(entries) == 17
    gaps = {e.item.key: e.gap for e in entries if not e.provided}
    assert gaps["statement-of-applicability"] == "No SoA revision has been approved yet."
    assert gaps["competence-evidence"] == "No training or competence record is kept."


def test_an_approved_document_marked_with_an_item_provides_it(lead, executive):
    doc = document(lead, information="competence-evidence")
    assert not entry("competence-evidence").provided  # a draft provides nothing
    approve(doc, lead, executive)
    [source] = entry("competence-evidence").sources
    assert source.label == "DOC-1 Competence matrix (v0.1)"
    assert source.url == doc.get_absolute_url()


def test_an_unknown_item_key_is_refused(lead):
    with pytest.raises(services.ValidationError):
        document(lead, information="made-up")


def test_records_of_other_apps_provide_their_items(lead, executive):
    soa = soa_document()
    services.soa_document_update(
        soa,
        actor=lead,
        data={"scope": "Customer service AI"},
        expected_version=soa.version,
        reason="Scope",
    )
    assert entry("aims-scope").provided
    factories.risk(lead, treatment_plan="Retrain monthly")
    assert entry("risk-treatment-process").sources[0].label == "Risks with a treatment plan: 1"
    programme = factories.audit_programme(lead)
    assert entry("internal-audit-programme").sources[0].url == programme.get_absolute_url()


def test_an_app_registers_a_provider_for_an_item(lead):
    from controls.documented_information import Source, provider

    @provider("monitoring-results")
    def measurements():
        return [Source("Objective measurements: 4", "/somewhere/")]

    try:
        assert entry("monitoring-results").sources == [
            Source("Objective measurements: 4", "/somewhere/")
        ]
    finally:
        documented_information._PROVIDERS["monitoring-results"].remove(measurements)
    with pytest.raises(ValueError):
        provider("no-such-item")


def test_readiness_lists_the_stage_1_gaps(lead, executive):
    design = next(r for r in readiness.run_checks() if r.key == "documented-information-design")
    labels = [f.label for f in design.failures]
    assert "7.2 Evidence of competence" in labels
    assert design.failures[0].url.startswith("/controls/documented-information/#")
    approve(document(lead, information="competence-evidence"), lead, executive)
    design = next(r for r in readiness.run_checks() if r.key == "documented-information-design")
    assert "7.2 Evidence of competence" not in [f.label for f in design.failures]


def test_page_pdf_and_api(client_for, auditor, owner, lead, executive):
    approve(document(lead, information="competence-evidence"), lead, executive)
    client = client_for(auditor)
    page = client.get("/controls/documented-information/").content.decode()
    assert "Evidence of competence" in page and "DOC-1 Competence matrix" in page
    assert "Gap" in page and "No SoA revision has been approved yet." in page
    job = client.post("/controls/documented-information/export/")
    assert job.status_code == 302 and "/controls/documented-information/exports/" in job["Location"]
    pdf = client.get(f"{job['Location']}download/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    api = client.get("/api/v1/controls/documented-information/").json()
    competence = next(row for row in api if row["key"] == "competence-evidence")
    assert competence["provided"] is True and competence["sources"][0]["label"].startswith("DOC-1")
    # A system owner may read the list but not export it.
    assert client_for(owner).get("/controls/documented-information/").status_code == 200
    assert client_for(owner).post("/controls/documented-information/export/").status_code == 403
