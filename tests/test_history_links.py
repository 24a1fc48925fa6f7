"""Versions keep their links: a risk's AI systems, an audit's criteria and team, a review's
attendees, a document's controls. One save is one version, its links included; the history
pages name the links that changed; the ledger chains the link rows like every history row."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims_portal.history_links import LINKS_START_REASON, start_link_history
from aims_portal.services import StaleVersionError
from assessments import services as assessments
from assessments.models import Risk
from audits.models import Audit, ManagementReview

from . import factories
from .test_audits_setup import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def linked_ids(model, version, field):
    """Ids of the records the version links through ``field``."""
    target = model._meta.get_field(field).m2m_reverse_name()
    return sorted(getattr(version, field).values_list(target, flat=True))


@pytest.fixture
def systems(lead):
    return [
        factories.ai_system(lead, slug="support-bot", name="Support bot"),
        factories.ai_system(lead, slug="credit-model", name="Credit model"),
        factories.ai_system(lead, slug="cv-screening", name="CV screening"),
    ]


def edit_risk(risk, actor, reason="Scope reviewed", **data):
    risk.refresh_from_db()
    return assessments.risk_update(
        risk, actor=actor, data=data, expected_version=risk.version, reason=reason
    )


def test_a_risk_created_with_systems_has_one_version_holding_them(lead, systems):
    risk = factories.risk(lead, systems=systems[:2])
    (version,) = risk.history.all()
    assert version.history_type == "+"
    assert linked_ids(Risk, version, "systems") == sorted(s.pk for s in systems[:2])


def test_changing_a_risks_systems_writes_one_version_with_the_new_links(lead, systems):
    risk = factories.risk(lead, systems=systems[:2])
    edit_risk(risk, lead, systems=[systems[1], systems[2]])
    first, second = risk.history.order_by("history_id")
    assert risk.history.count() == 2
    assert linked_ids(Risk, first, "systems") == sorted(s.pk for s in systems[:2])
    assert linked_ids(Risk, second, "systems") == sorted(s.pk for s in systems[1:])
    assert second.history_change_reason == "Scope reviewed"


def test_a_refused_edit_changes_no_link(lead, systems):
    risk = factories.risk(lead, systems=systems[:1])
    with pytest.raises(StaleVersionError):
        assessments.risk_update(
            risk, actor=lead, data={"systems": systems}, expected_version=99, reason="Stale"
        )
    assert list(risk.systems.all()) == systems[:1]
    assert risk.history.count() == 1


def test_the_risk_diff_names_the_systems_before_and_after(client_for, lead, systems):
    risk = factories.risk(lead, systems=systems[:1])
    edit_risk(risk, lead, systems=systems[1:])
    first, second = risk.history.order_by("history_id")
    url = (
        f"/history/assessments/risk/{risk.pk}/diff/?from={first.history_id}&to={second.history_id}"
    )
    html = client_for(lead).get(url).content.decode()
    assert '<del><span class="visually-hidden">Removed: </span>Support bot</del>' in html
    for added in ("Credit model", "CV screening"):
        assert f'<ins><span class="visually-hidden">Added: </span>{added}</ins>' in html


def test_an_audit_keeps_its_criteria_and_team_in_each_version(lead, ia, ia2, systems):
    second = ia2
    audit = factories.audit(lead, ia, controls=("A.6.2.4",), systems=systems[:1], auditors=[second])
    (version,) = audit.history.all()
    assert linked_ids(Audit, version, "auditors") == [second.pk]
    assert linked_ids(Audit, version, "systems") == [systems[0].pk]
    assert len(linked_ids(Audit, version, "requirements")) == 2
    assert len(linked_ids(Audit, version, "controls")) == 1


def test_a_review_keeps_its_attendees(lead, executive):
    review = factories.management_review(lead, executive)
    (version,) = review.history.all()
    assert linked_ids(ManagementReview, version, "attendees") == sorted([lead.pk, executive.pk])


def test_link_rows_are_chained_and_a_changed_link_is_caught(lead, systems):
    from django.core.management import CommandError

    risk = factories.risk(lead, systems=systems[:2])
    call_command("ledger_checkpoint", stdout=io.StringIO())
    call_command("verify_ledger", stdout=io.StringIO())
    table = Risk.history.model.systems.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET aisystem_id = %s WHERE aisystem_id = %s",
            [systems[2].pk, systems[0].pk],
        )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)
    assert "Content changed" in out.getvalue()
    assert table.lower().startswith("assessments_historicalrisk_systems")
    assert risk.systems.count() == 2


class SchemaEditor:
    connection = connection


def test_link_history_starts_where_links_existed_before_it(client_for, lead, systems):
    risk = factories.risk(lead)
    risk.skip_history_when_saving = True  # as before link history: no version holds the link
    risk.systems.add(systems[0])
    del risk.skip_history_when_saving
    before = risk.history.get()
    start_link_history(apps, SchemaEditor(), "assessments", "Risk", ["systems"])
    started = risk.history.latest("history_id")
    assert risk.history.count() == 2
    assert started.history_change_reason == LINKS_START_REASON == Risk._history_links_start_reason
    assert linked_ids(Risk, started, "systems") == [systems[0].pk]
    call_command("ledger_checkpoint", stdout=io.StringIO())
    call_command("verify_ledger", stdout=io.StringIO())  # the new rows are chained
    url = f"/history/assessments/risk/{risk.pk}/diff/"
    html = client_for(lead).get(url, {"from": before.history_id, "to": started.history_id})
    html = html.content.decode()
    assert "<del>(not recorded)</del>" in html and "<ins>Support bot</ins>" in html


def test_link_history_start_does_nothing_without_links(lead):
    factories.risk(lead)
    start_link_history(apps, SchemaEditor(), "assessments", "Risk", ["systems"])
    assert Risk.history.count() == 1


def test_the_risk_history_page_query_count_does_not_grow_with_links(client_for, lead):
    client = client_for(lead)
    risk = factories.risk(lead)
    url = f"/history/assessments/risk/{risk.pk}/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    many = [factories.ai_system(lead, slug=f"s{i}", name=f"System {i}") for i in range(8)]
    for i in range(1, 9):
        edit_risk(risk, lead, systems=many[:i])
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
