"""Exclusion reasons: chosen from a list beside the written justification, required for an
excluded control (on edit and at submission), kept only while the control is excluded, read
and written by the API and the SoA page's inline form."""

import pytest
from django.core.exceptions import ValidationError

from controls import services
from controls.catalogue import soa_document
from controls.models import ExclusionReason, SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def edit(actor, ref, **data):
    entry = SoAEntry.objects.get(control__ref=ref)
    return services.soa_entry_update(
        entry, actor=actor, data=data, expected_version=entry.version, reason=f"Edit {ref}"
    )


def test_an_excluded_control_needs_an_exclusion_reason_and_nothing_changes(lead):
    with pytest.raises(ValidationError) as error:
        edit(lead, "A.10.4", applicability="excluded", justification="Why", exclusion_reasons=[])
    assert "exclusion_reasons" in error.value.message_dict
    entry = SoAEntry.objects.get(control__ref="A.10.4")
    assert entry.applicability == "undecided" and entry.version == 1
    assert not ExclusionReason.objects.exists()


def test_an_unknown_exclusion_reason_is_refused(lead):
    with pytest.raises(ValidationError, match="Unknown exclusion reason: cheaper"):
        edit(
            lead,
            "A.10.4",
            applicability="excluded",
            justification="x",
            exclusion_reasons=["cheaper"],
        )
    assert not ExclusionReason.objects.exists()


def test_reasons_are_saved_with_history_and_removed_when_the_control_is_included(lead):
    entry = edit(
        lead,
        "A.10.4",
        applicability="excluded",
        justification="We sell no AI.",
        exclusion_reasons=["third_party", "out_of_scope", "third_party"],
    )
    assert sorted(entry.exclusion_reasons.values_list("reason", flat=True)) == [
        "out_of_scope",
        "third_party",
    ]
    assert ExclusionReason.history.filter(history_user=lead).count() == 2
    edit(lead, "A.10.4", applicability="applicable", inclusion_reasons=["contractual"])
    assert not entry.exclusion_reasons.exists()
    assert ExclusionReason.history.filter(history_type="-").count() == 2


def test_the_soa_is_not_submitted_while_an_excluded_control_lacks_a_reason(lead):
    factories.soa_decide_all(lead)
    edit(lead, "A.10.4", applicability="excluded", justification="We sell no AI.")
    with pytest.raises(ValidationError, match=r"Exclusion reasons missing for: A\.10\.4"):
        services.soa_transition(soa_document(), "submit", actor=lead)
    edit(lead, "A.10.4", exclusion_reasons=["out_of_scope"])
    services.soa_transition(soa_document(), "submit", actor=lead)
    assert soa_document().status == "in_review"


def test_reasons_are_frozen_into_the_revision(lead, executive):
    factories.soa_decide_all(lead)
    edit(
        lead,
        "A.10.4",
        applicability="excluded",
        justification="We sell no AI.",
        exclusion_reasons=["out_of_scope"],
    )
    revision = factories.soa_approve(lead, executive)
    row = next(r for r in revision.entries if r["ref"] == "A.10.4")
    assert row["exclusion_reasons"] == ["out_of_scope"] and row["inclusion_reasons"] == []


def test_the_api_reads_and_writes_exclusion_reasons(lead, client_for):
    entry = SoAEntry.objects.get(control__ref="A.10.4")
    client = client_for(lead)
    url = f"/api/v1/controls/soa-entries/{entry.pk}/"
    body = {
        "applicability": "excluded",
        "justification": "We sell no AI.",
        "exclusion_reasons": [],
        "version": entry.version,
        "change_reason": "Decide",
    }
    refused = client.patch(url, body, content_type="application/json")
    assert refused.status_code == 400
    assert "exclusion_reasons" in refused.json()
    body["exclusion_reasons"] = ["covered_elsewhere"]
    saved = client.patch(url, body, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert client.get(url).json()["exclusion_reasons"] == ["covered_elsewhere"]


def test_the_inline_form_offers_saves_and_shows_exclusion_reasons(lead, client_for):
    entry = SoAEntry.objects.get(control__ref="A.10.4")
    client = client_for(lead)
    form = client.get(f"/controls/soa/entries/{entry.pk}/inline/?edit=1").content.decode()
    assert "Reasons for exclusion" in form and "Carried out by a supplier or customer" in form
    response = client.post(
        f"/controls/soa/entries/{entry.pk}/inline/",
        {
            "applicability": "excluded",
            "justification": "Our customers run no AI of ours.",
            "exclusion_reasons": ["third_party"],
            "implementation_status": "not_started",
            "evidence": "",
            "change_reason": "Decided",
            "expected_version": entry.version,
        },
    )
    assert response.status_code == 200 and "X-Form-Errors" not in response
    assert "Carried out by a supplier or customer" in response.content.decode()
    assert list(entry.exclusion_reasons.values_list("reason", flat=True)) == ["third_party"]
    page = client.get("/controls/soa/").content.decode()
    assert "Carried out by a supplier or customer" in page


def test_the_inline_form_without_a_reason_says_so_and_changes_nothing(lead, client_for):
    entry = SoAEntry.objects.get(control__ref="A.10.4")
    response = client_for(lead).post(
        f"/controls/soa/entries/{entry.pk}/inline/",
        {
            "applicability": "excluded",
            "justification": "Our customers run no AI of ours.",
            "implementation_status": "not_started",
            "evidence": "",
            "change_reason": "Decided",
            "expected_version": entry.version,
        },
    )
    assert response["X-Form-Errors"] == "1"
    assert "Choose at least one reason for excluding this control" in response.content.decode()
    entry.refresh_from_db()
    assert entry.applicability == "undecided" and entry.version == 1
