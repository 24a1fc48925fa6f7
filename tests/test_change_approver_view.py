"""A change request's page shows an approver what to weigh: the system's impact assessment
and its status, its open risks, the policy result, and what changed in the system's record
since the last approved change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services as registry
from registry.models import ChangeRequest

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(lead):
    return factories.production_ready(lead, regions=["eu", "uk"])


def test_the_page_shows_assessment_risks_and_policy(system, lead, executive, client_for):
    factories.risk(lead, systems=[system], title="Drift after go-live")
    change = factories.change_request(lead, system)
    page = client_for(executive).get(change.get_absolute_url()).content.decode()
    assert f"{system.impact_assessment_ref} revision" in page
    assert "<strong>Approved</strong>" in page
    assert "Drift after go-live" in page and "Open risks" in page
    assert "Policy check" in page


def test_the_diff_marks_list_items_added_and_removed(system, lead, executive, client_for):
    system = registry.system_write(
        system, actor=lead, reason="New region", regions=["eu", "us"], base_model="m-2"
    )
    change = factories.change_request(lead, system)
    page = client_for(executive).get(change.get_absolute_url()).content.decode()
    # The system reached validation through an approved change: the diff starts there.
    assert "since the last approved change" in page
    assert '<ins><span class="visually-hidden">Added: </span>us</ins>' in page
    assert '<del><span class="visually-hidden">Removed: </span>uk</del>' in page


def test_the_diff_starts_at_the_last_approved_change(system, lead, executive, client_for):
    first = factories.change_request(lead, system)
    registry.change_request_transition(first, "approve", actor=executive, reason="Ready")
    first = ChangeRequest.objects.get(pk=first.pk)
    assert first.applied_at is not None
    system.refresh_from_db()
    system = registry.system_write(system, actor=lead, reason="Model", base_model="model-9")
    change = factories.change_request(
        lead, system, kind="base_model", target_stage="", new_value="model-10"
    )
    page = client_for(executive).get(change.get_absolute_url()).content.decode()
    assert f"CR-{first.pk}</a>" in page
    assert "model-9" in page
    # The stage moved by the approved change is not shown again as a change.
    assert ">Stage</th>" not in page


def test_the_page_s_queries_do_not_grow_with_risks(system, lead, executive, client_for):
    change = factories.change_request(lead, system)
    client = client_for(executive)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(change.get_absolute_url()).status_code == 200
        return len(queries)

    factories.risk(lead, systems=[system])
    small = count()
    for _ in range(4):
        factories.risk(lead, systems=[system])
    assert count() == small
