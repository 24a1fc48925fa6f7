"""Link (many-to-many) fields never drop links silently: the searchable widget on every
link field, and the server's guard that refuses an unconfirmed removal."""

import re

import pytest

from controls.forms import SoAEntryForm
from controls.models import SoAEntry

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(lead):
    """A.6.2.4 linked to two risks; a third risk exists."""
    risks = [factories.risk(lead, title=f"Risk {n}") for n in range(3)]
    entry = SoAEntry.objects.get(control__ref="A.6.2.4")
    from controls import services

    entry = services.soa_entry_update(
        entry,
        actor=lead,
        data={
            "applicability": "applicable",
            "justification": "Needed.",
            "inclusion_reasons": ["risk_treatment"],
            "risks": risks[:2],
        },
        expected_version=entry.version,
        reason="Link risks",
    )
    return entry, risks


def post_edit(client, entry, **overrides):
    entry.refresh_from_db()
    data = factories.edit_data(SoAEntryForm, entry, **overrides)
    return client.post(f"/controls/soa/{entry.pk}/edit/", data)


def linked_risks(entry):
    return set(SoAEntry.objects.get(pk=entry.pk).risks.values_list("pk", flat=True))


def test_every_link_field_is_a_searchable_link_select(client_for, lead, linked):
    entry, _ = linked
    page = client_for(lead).get(f"/controls/soa/{entry.pk}/edit/").content.decode()
    assert page.count('data-link-select="true"') == 2  # systems and risks
    assert "vendor/tom-select/js/tom-select.complete.min.js" in page


def test_a_plain_click_on_one_risk_cannot_drop_the_others(client_for, lead, linked):
    entry, risks = linked
    # What a native multiple select sends after a plain click on the third risk.
    response = post_edit(client_for(lead), entry, risks=[risks[2].pk])
    assert response.status_code == 400  # the form again, with the refusal
    text = response.content.decode()
    assert "This would remove 2 existing link(s)" in text
    assert str(risks[0]) in text and str(risks[1]) in text
    assert re.search(r'type="checkbox"\s+name="unlink_confirmed"\s+value="risks"', text)
    assert linked_risks(entry) == {risks[0].pk, risks[1].pk}


def test_adding_keeps_every_existing_link(client_for, lead, linked):
    entry, risks = linked
    response = post_edit(client_for(lead), entry, risks=[r.pk for r in risks])
    assert response.status_code == 302
    assert linked_risks(entry) == {r.pk for r in risks}


def test_a_confirmed_removal_is_saved(client_for, lead, linked):
    entry, risks = linked
    response = post_edit(client_for(lead), entry, risks=[risks[1].pk], unlink_confirmed=["risks"])
    assert response.status_code == 302
    assert linked_risks(entry) == {risks[1].pk}


def test_confirming_another_field_does_not_confirm_this_one(client_for, lead, linked):
    entry, risks = linked
    response = post_edit(client_for(lead), entry, risks=[], unlink_confirmed=["systems", "junk"])
    assert response.status_code == 400  # the form again, with the refusal
    assert linked_risks(entry) == {risks[0].pk, risks[1].pk}


def test_a_new_record_has_no_unlink_guard(lead):
    form = SoAEntryForm()
    assert "unlink_confirmed" not in form.fields
    assert form.fields["risks"].widget.attrs["data-link-select"] == "true"
