"""SoA entries: justification required both ways, consistent status, inline editing, roles."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from controls import services
from controls.models import SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


def entry(ref="A.6.2.4"):
    return SoAEntry.objects.select_related("control").get(control__ref=ref)


def update(actor, ref="A.6.2.4", **data):
    e = entry(ref)
    return services.soa_entry_update(
        e, actor=actor, data=data, expected_version=e.version, reason="Review"
    )


def test_including_a_control_needs_a_justification(lead):
    with pytest.raises(ValidationError) as error:
        update(lead, applicability="applicable", justification="  ")
    assert "includes" in error.value.message_dict["justification"][0]
    assert entry().applicability == "undecided"


def test_excluding_a_control_needs_a_justification(lead):
    with pytest.raises(ValidationError) as error:
        update(lead, applicability="excluded", justification="")
    assert "excludes" in error.value.message_dict["justification"][0]


def test_a_justified_decision_is_saved_with_history(lead):
    saved = update(
        lead,
        applicability="applicable",
        justification="Every model release is validated.",
        implementation_status="partial",
        evidence=["VAL-PLAN-3", " ", "https://wiki.example/validation"],
    )
    assert saved.version == 2
    assert saved.evidence == ["VAL-PLAN-3", "https://wiki.example/validation"]
    latest = saved.history.first()
    assert latest.history_user == lead and latest.history_change_reason == "Review"


def test_an_excluded_control_cannot_be_implemented(lead):
    with pytest.raises(ValidationError) as error:
        update(
            lead,
            applicability="excluded",
            justification="No customers.",
            implementation_status="implemented",
        )
    assert "implementation_status" in error.value.message_dict


def test_system_owner_cannot_change_the_soa(owner):
    with pytest.raises(PermissionDenied):
        update(owner, applicability="applicable", justification="x")


def test_systems_can_be_linked(lead):
    system = factories.ai_system(lead, name="Support bot")
    saved = update(
        lead, applicability="applicable", justification="Used by the bot.", systems=[system]
    )
    assert list(saved.systems.all()) == [system]
    assert list(system.soa_entries.all()) == [saved]


def test_inline_edit_form_then_save_returns_the_updated_row(client_for, lead):
    client = client_for(lead)
    e = entry()
    url = f"/controls/soa/entries/{e.pk}/inline/"
    form = client.get(url + "?edit=1", HTTP_HX_REQUEST="true")
    assert 'name="justification"' in form.content.decode()
    response = client.post(
        url,
        {
            "applicability": "applicable",
            "inclusion_reasons": ["risk_treatment"],
            "justification": "Validation <b>before</b> each release.",
            "implementation_status": "implemented",
            "evidence": "VAL-1\nVAL-2",
            "expected_version": e.version,
            "change_reason": "Inline review",
        },
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "X-Form-Errors" not in response
    assert "Validation &lt;b&gt;before&lt;/b&gt; each release." in html
    assert "Implemented" in html and "VAL-2" in html
    assert entry().implementation_status == "implemented"


def test_inline_edit_shows_the_missing_justification_on_the_form(client_for, lead):
    e = entry()
    response = client_for(lead).post(
        f"/controls/soa/entries/{e.pk}/inline/",
        {
            "applicability": "excluded",
            "justification": "",
            "implementation_status": "not_started",
            "expected_version": e.version,
            "change_reason": "Exclude",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response["X-Form-Errors"] == "1"
    assert "Say why the SoA excludes this control." in response.content.decode()
    assert entry().applicability == "undecided"


def test_inline_edit_is_refused_to_an_auditor(client_for, auditor):
    e = entry()
    response = client_for(auditor).get(f"/controls/soa/entries/{e.pk}/inline/?edit=1")
    assert response.status_code == 403


def test_the_soa_page_lists_all_38_controls_with_progress(client_for, lead):
    update(
        lead,
        applicability="applicable",
        justification="Needed.",
        implementation_status="implemented",
    )
    response = client_for(lead).get("/controls/soa/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('id="soa-row-') == 38
    assert "Implementation progress per Annex A group" in html
    assert "1/1 implemented" in html
