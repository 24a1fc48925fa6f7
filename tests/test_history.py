"""Every save is kept with who, when and why; the history page lists versions and diffs."""

import pytest
from django.urls import reverse

from registry import services
from registry.models import Supplier

from . import factories


def _history_url(record, diff=False):
    meta = record._meta
    name = "record-history-diff" if diff else "record-history"
    return reverse(name, args=[meta.app_label, meta.model_name, record.pk])


@pytest.mark.django_db
def test_every_save_is_recorded_with_user_and_reason(lead, executive):
    supplier = factories.supplier(lead, name="Acme")
    services.supplier_update(
        supplier,
        actor=lead,
        data={"services": "Labelling"},
        expected_version=1,
        reason="Scope widened",
    )
    versions = list(supplier.history.order_by("history_id"))
    assert [v.history_type for v in versions] == ["+", "~"]
    assert [v.history_user for v in versions] == [lead, lead]
    assert versions[1].history_change_reason == "Scope widened"
    assert versions[1].services == "Labelling"


@pytest.mark.django_db
def test_web_edits_record_the_logged_in_user(lead, client_for):
    supplier = factories.supplier(lead, name="Acme")
    client_for(lead).post(
        reverse("registry:supplier-edit", args=[supplier.pk]),
        {
            "name": "Acme Ltd",
            "services": supplier.services,
            "owner": lead.pk,
            "due_diligence_status": "approved",
            "expected_version": 1,
            "change_reason": "Legal name",
        },
    )
    latest = Supplier.history.filter(id=supplier.pk).latest("history_id")
    assert latest.name == "Acme Ltd"
    assert latest.history_user == lead
    assert latest.history_change_reason == "Legal name"


@pytest.mark.django_db
def test_history_page_lists_versions_newest_first(lead, auditor, client_for):
    supplier = factories.supplier(lead, name="Acme")
    services.supplier_update(
        supplier, actor=lead, data={"services": "Hosting"}, expected_version=1, reason="Renamed"
    )
    response = client_for(auditor).get(_history_url(supplier))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.history_type for row, _, _ in rows] == ["~", "+"]
    assert rows[0][2] == ["Services provided"]
    assert b"Renamed" in response.content


@pytest.mark.django_db
def test_diff_page_shows_the_changed_field(lead, make_user, auditor, client_for):
    new_owner = make_user("governance_lead", first_name="Nina", last_name="New")
    supplier = factories.supplier(lead, name="Acme", due_diligence_status="in_progress")
    services.supplier_update(
        supplier,
        actor=lead,
        data={"due_diligence_status": "approved", "owner": new_owner},
        expected_version=1,
        reason="Review passed",
    )
    older, newer = supplier.history.order_by("history_id")
    response = client_for(auditor).get(
        _history_url(supplier, diff=True), {"from": older.history_id, "to": newer.history_id}
    )
    assert response.status_code == 200
    changes = {c.label: (c.old, c.new) for c in response.context["changes"]}
    assert changes == {
        "Due diligence": ("In progress", "Approved"),
        "Owner": (str(lead), "Nina New"),
    }
    html = response.content.decode()
    assert "In progress" in html and "Approved" in html and "Nina New" in html


@pytest.mark.django_db
def test_diff_refuses_versions_of_another_record(lead, client_for):
    first = factories.supplier(lead, name="One")
    second = factories.supplier(lead, name="Two")
    response = client_for(lead).get(
        _history_url(first, diff=True),
        {"from": first.history.get().history_id, "to": second.history.get().history_id},
    )
    assert response.status_code == 400
    assert "Choose two different versions of this record." in response.content.decode()


@pytest.mark.django_db
def test_history_needs_view_permission_on_the_area(lead, make_user, client_for):
    supplier = factories.supplier(lead)
    assert client_for(make_user()).get(_history_url(supplier)).status_code == 403


@pytest.mark.django_db
def test_history_of_unknown_or_untracked_models_is_not_found(lead, client_for):
    client = client_for(lead)
    assert client.get("/history/registry/nothing/1/").status_code == 404
    assert client.get("/history/auth/group/1/").status_code == 404
