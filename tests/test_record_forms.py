"""Create, edit (optimistic locking, change reason) and retire pages of the generic record
pattern, as proven on suppliers and AI systems."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from registry import services as registry
from registry.forms import AISystemForm, SupplierForm
from registry.models import AISystem, Supplier

from . import factories

pytestmark = pytest.mark.django_db

NEW_SUPPLIER = "/inventory/suppliers/new/"


def edit_url(record):
    return f"{record.get_absolute_url()}edit/"


def retire_url(record):
    return f"{record.get_absolute_url()}retire/"


def new_supplier_data(owner, **overrides):
    values = {"name": "Acme Models", "services": "Hosted LLM API", "owner": owner.pk}
    return factories.form_data(SupplierForm, **{**values, **overrides})


# --- create ---------------------------------------------------------------------------------


def test_create_supplier_redirects_to_its_detail_page(client_for, lead):
    response = client_for(lead).post(NEW_SUPPLIER, new_supplier_data(lead))
    supplier = Supplier.objects.get(name="Acme Models")
    assert response.status_code == 302
    assert response["Location"] == supplier.get_absolute_url()
    assert supplier.services == "Hosted LLM API"
    assert supplier.owner == lead
    assert supplier.version == 1


def test_create_supplier_records_poster_and_reason_in_history(client_for, lead, owner):
    client_for(lead).post(NEW_SUPPLIER, new_supplier_data(owner))
    supplier = Supplier.objects.get(name="Acme Models")
    [created] = supplier.history.all()
    assert created.history_type == "+"
    assert created.history_user == lead
    assert created.history_change_reason == "Created"


def test_create_supplier_without_name_is_refused_inline(client_for, lead):
    response = client_for(lead).post(NEW_SUPPLIER, new_supplier_data(lead, name=""))
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert "Nothing was saved" in response.content.decode()
    assert "This field is required." in response.content.decode()
    assert 'id="id_name"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert Supplier.objects.count() == 0


def test_create_supplier_with_next_review_before_last_review_is_refused(client_for, lead):
    data = new_supplier_data(lead, last_reviewed="2025-06-01", next_review="2025-01-01")
    response = client_for(lead).post(NEW_SUPPLIER, data)
    assert response.status_code == 400
    assert response.context["form"].errors["next_review"] == [
        "The next review cannot be before the last one."
    ]
    assert "The next review cannot be before the last one." in response.content.decode()
    assert Supplier.objects.count() == 0


def test_create_ai_system_through_the_form(client_for, lead):
    data = factories.form_data(
        AISystemForm,
        slug="support-bot",
        name="Support bot",
        owner=lead.pk,
        contact="bot@example.test",
        purpose="Answers customers",
        data_sensitivity="pii",
        risk_tier="high",
        eu_ai_act_tier="limited",
        regions="eu, uk",
    )
    response = client_for(lead).post("/inventory/systems/new/", data)
    system = AISystem.objects.get(slug="support-bot")
    assert response.status_code == 302
    assert response["Location"] == system.get_absolute_url()
    assert system.regions == ["eu", "uk"]
    assert system.stage == AISystem.Stage.PROPOSED
    assert system.history.get().history_user == lead


# --- edit -----------------------------------------------------------------------------------


def test_edit_with_current_version_saves_and_bumps_version(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(SupplierForm, supplier, reason="Renewed contract", services="Data")
    response = client_for(lead).post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == supplier.get_absolute_url()
    assert supplier.services == "Data"
    assert supplier.version == 2


def test_edit_stores_change_reason_and_editor_in_history(client_for, lead, admin_user):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(SupplierForm, supplier, reason="Renewed contract", services="Data")
    client_for(admin_user).post(edit_url(supplier), data)
    latest = supplier.history.order_by("-history_id").first()
    assert latest.history_type == "~"
    assert latest.history_change_reason == "Renewed contract"
    assert latest.history_user == admin_user
    assert latest.services == "Data"


def test_edit_without_change_reason_is_refused_with_field_error(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(SupplierForm, supplier, reason="", services="Data")
    response = client_for(lead).post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["change_reason"]
    assert supplier.services == "Hosted model API"
    assert supplier.version == 1


def test_edit_with_blank_change_reason_is_refused(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(SupplierForm, supplier, reason="   ", services="Data")
    response = client_for(lead).post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["change_reason"]
    assert supplier.version == 1


def test_edit_form_carries_the_loaded_version(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_update(
        supplier, actor=lead, data={"services": "Data"}, expected_version=1, reason="First"
    )
    response = client_for(lead).get(edit_url(supplier))
    assert response.status_code == 200
    assert response.context["form"]["expected_version"].value() == 2
    assert 'name="expected_version"' in response.content.decode()


def test_stale_edit_is_refused_and_keeps_the_other_save(client_for, lead, admin_user):
    supplier = factories.supplier(lead, name="Acme")
    client = client_for(lead)
    # The editor opens the form on version 1 ...
    opened = client.get(edit_url(supplier))
    assert opened.context["form"]["expected_version"].value() == 1
    # ... someone else saves meanwhile (version 2) ...
    registry.supplier_update(
        supplier,
        actor=admin_user,
        data={"services": "Second save"},
        expected_version=1,
        reason="Concurrent edit",
    )
    # ... and the editor's save, based on version 1, comes in.
    data = factories.edit_data(SupplierForm, supplier, reason="Mine", services="First editor")
    assert data["expected_version"] == 1
    response = client.post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 409
    assert "Your changes were not saved" in response.content.decode()
    assert supplier.services == "Second save"
    assert supplier.version == 2
    assert supplier.history.count() == 2


def test_edit_of_retired_supplier_is_refused(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_retire(supplier, actor=lead, reason="Contract ended")
    supplier.refresh_from_db()
    data = factories.edit_data(SupplierForm, supplier, services="Changed after retirement")
    response = client_for(lead).post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert "retired" in response.content.decode()
    assert supplier.services == "Hosted model API"
    assert supplier.version == 2


def test_edit_next_review_before_last_review_is_refused(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    data = factories.edit_data(
        SupplierForm, supplier, last_reviewed="2025-06-01", next_review="2025-01-01"
    )
    response = client_for(lead).post(edit_url(supplier), data)
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["next_review"]
    assert supplier.next_review is None
    assert supplier.version == 1


# --- retire ---------------------------------------------------------------------------------


def test_retire_with_reason_retires_and_hides_from_list(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    client = client_for(lead)
    response = client.post(retire_url(supplier), {"change_reason": "Contract ended"})
    supplier.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == supplier.get_absolute_url()
    assert supplier.retired_at is not None
    assert supplier.history.order_by("-history_id").first().history_change_reason == (
        "Contract ended"
    )
    listed = client.get("/inventory/suppliers/")
    assert supplier not in list(listed.context["table"].page.object_list.data)
    assert supplier.get_absolute_url() not in listed.content.decode()


def test_retire_without_reason_is_refused_and_changes_nothing(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    response = client_for(lead).post(retire_url(supplier), {"change_reason": "  "})
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert "Say why this record is being retired." in response.content.decode()
    assert supplier.retired_at is None
    assert supplier.version == 1
    assert supplier.history.count() == 1


def test_retiring_twice_is_refused(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    client = client_for(lead)
    client.post(retire_url(supplier), {"change_reason": "Contract ended"})
    supplier.refresh_from_db()
    first_retired_at = supplier.retired_at
    response = client.post(retire_url(supplier), {"change_reason": "Again"})
    supplier.refresh_from_db()
    assert response.status_code == 400
    assert supplier.retired_at == first_retired_at
    assert supplier.version == 2


def test_ai_systems_have_no_retire_page(client_for, lead):
    system = factories.ai_system(lead)
    response = client_for(lead).post(retire_url(system), {"change_reason": "Gone"})
    assert response.status_code == 404


# --- AI system lifecycle stage --------------------------------------------------------------


def test_ai_system_form_has_no_stage_field(client_for, lead):
    system = factories.ai_system(lead)
    assert "stage" not in AISystemForm().fields
    create_page = client_for(lead).get("/inventory/systems/new/")
    edit_page = client_for(lead).get(edit_url(system))
    assert 'name="stage"' not in create_page.content.decode()
    assert 'name="stage"' not in edit_page.content.decode()
    assert 'name="slug"' in create_page.content.decode()


def test_posting_stage_through_the_edit_form_does_not_change_it(client_for, lead):
    system = factories.ai_system(lead)
    data = factories.edit_data(AISystemForm, system, stage="production", name="Renamed")
    response = client_for(lead).post(edit_url(system), data)
    system.refresh_from_db()
    assert response.status_code == 302
    assert system.name == "Renamed"
    assert system.stage == AISystem.Stage.PROPOSED


def test_ai_system_create_service_refuses_stage(lead):
    with pytest.raises(ValidationError) as refused:
        factories.ai_system(lead, stage=AISystem.Stage.PRODUCTION)
    assert "stage" in refused.value.message_dict
    assert AISystem.objects.count() == 0


def test_ai_system_update_service_refuses_stage(lead):
    system = factories.ai_system(lead)
    with pytest.raises(ValidationError) as refused:
        registry.ai_system_update(
            system,
            actor=lead,
            data={"stage": AISystem.Stage.PRODUCTION},
            expected_version=1,
            reason="Go live",
        )
    system.refresh_from_db()
    assert "stage" in refused.value.message_dict
    assert system.stage == AISystem.Stage.PROPOSED
    assert system.version == 1


def test_ai_system_cannot_be_newly_linked_to_retired_supplier(client_for, lead):
    supplier = factories.supplier(lead, name="Old vendor")
    registry.supplier_retire(supplier, actor=lead, reason="Gone")
    system = factories.ai_system(lead)
    data = factories.edit_data(AISystemForm, system, supplier=supplier.pk)
    response = client_for(lead).post(edit_url(system), data)
    system.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["supplier"]
    assert system.supplier is None


def test_ai_system_keeps_its_link_to_a_supplier_retired_later(client_for, lead):
    supplier = factories.supplier(lead, name="Old vendor")
    system = factories.ai_system(lead, supplier=supplier)
    registry.supplier_retire(supplier, actor=lead, reason="Gone")
    data = factories.edit_data(AISystemForm, system, name="Renamed")
    response = client_for(lead).post(edit_url(system), data)
    system.refresh_from_db()
    assert response.status_code == 302
    assert system.name == "Renamed"
    assert system.supplier == supplier


def test_review_dates_are_checked_on_ai_systems(lead):
    with pytest.raises(ValidationError) as refused:
        factories.ai_system(lead, last_reviewed=date(2025, 6, 1), next_review=date(2025, 1, 1))
    assert "next_review" in refused.value.message_dict


def test_edit_page_of_retired_supplier_sends_back_to_the_record(client_for, lead):
    supplier = factories.supplier(lead, name="Acme")
    registry.supplier_retire(supplier, actor=lead, reason="Contract ended")
    response = client_for(lead).get(edit_url(supplier), follow=True)
    assert response.redirect_chain[-1][0] == supplier.get_absolute_url()
    assert "is retired and can no longer be edited" in response.content.decode()


def test_service_compares_supplier_with_the_stored_record(lead):
    # A form fills the instance with the new values before the service runs: the rule must
    # still see that the link to a retired supplier is new.
    supplier = factories.supplier(lead, name="Old vendor")
    registry.supplier_retire(supplier, actor=lead, reason="Gone")
    system = factories.ai_system(lead)
    system.supplier = Supplier.objects.get(pk=supplier.pk)
    with pytest.raises(ValidationError) as refused:
        registry.ai_system_update(
            system,
            actor=lead,
            data={"supplier": system.supplier},
            expected_version=1,
            reason="Link vendor",
        )
    assert "supplier" in refused.value.message_dict
