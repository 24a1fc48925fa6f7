"""The as-of view shows each entry's links (AI systems, risks) as they were on the date, from
link history that the ledger covers like every other history row."""

import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from controls import selectors, services
from controls.models import SoAEntry
from integrity import selectors as ledger_selectors
from integrity import services as ledger

from . import factories
from .test_controls_catalogue import catalogue  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db

SYSTEM_LINKS = SoAEntry.history.model.systems.model
RISK_LINKS = SoAEntry.history.model.risks.model


def entry(ref="A.6.2.4"):
    return SoAEntry.objects.get(control__ref=ref)


def link(actor, ref="A.6.2.4", **links):
    e = entry(ref)
    return services.soa_entry_update(
        e, actor=actor, data=links, expected_version=e.version, reason=f"Links of {ref}"
    )


def backdate_latest_version(ref, days_ago):
    """Move the entry's newest history row ``days_ago`` days back (tests of dates only: the
    ledger would report the change)."""
    version = SoAEntry.history.filter(id=entry(ref).pk).order_by("-history_id").first()
    when = timezone.now() - timedelta(days=days_ago)
    SoAEntry.history.filter(history_id=version.history_id).update(history_date=when)
    return when


def as_of(days_ago, ref="A.6.2.4"):
    moment = timezone.now() - timedelta(days=days_ago)
    return next(row for row in selectors.snapshot_as_of(moment) if row["ref"] == ref)


def day(days_ago):
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def catalogue_in_the_past():
    """The catalogue's entry versions a month old, so that days back in a test come after."""
    SoAEntry.history.update(history_date=timezone.now() - timedelta(days=30))


@pytest.fixture
def two_systems(lead):
    return (
        factories.ai_system(lead, slug="support-bot", name="Support bot"),
        factories.ai_system(lead, slug="credit-model", name="Credit model"),
    )


def test_links_as_of_a_date_are_those_of_that_date(lead, two_systems, catalogue_in_the_past):
    a, b = two_systems
    link(lead, systems=[a])
    backdate_latest_version("A.6.2.4", 4)  # day 1
    link(lead, systems=[b])
    backdate_latest_version("A.6.2.4", 2)  # day 3
    assert as_of(3)["systems"] == ["Support bot"]  # day 2
    assert as_of(1)["systems"] == ["Credit model"]  # day 4
    assert selectors.entry_data(entry())["systems"] == ["Credit model"]  # now


def test_the_as_of_page_shows_the_links_of_the_date(
    client_for, lead, auditor, two_systems, catalogue_in_the_past
):
    a, b = two_systems
    risk = factories.risk(lead, title="Prompt injection")
    link(lead, systems=[a], risks=[risk])
    backdate_latest_version("A.6.2.4", 4)
    link(lead, systems=[b], risks=[])
    backdate_latest_version("A.6.2.4", 2)
    client = client_for(auditor)
    then = client.get(f"/controls/soa/?as_of={day(3)}").content.decode()
    assert "Systems: Support bot" in then and "Prompt injection" in then
    assert "Credit model" not in then
    later = client.get(f"/controls/soa/?as_of={day(1)}").content.decode()
    assert "Systems: Credit model" in later and "Support bot" not in later
    assert "Prompt injection" not in later
    assert "not versioned" not in later and "linked AI systems and risks included" in later
    now = client.get("/controls/soa/").content.decode()
    assert "Systems: Credit model" in now and "Support bot" not in now


def test_linked_records_are_named_as_they_were_on_the_date(lead, catalogue_in_the_past):
    from registry import services as registry

    system = factories.ai_system(lead, slug="helpdesk", name="Helpdesk assistant")
    system.history.update(history_date=timezone.now() - timedelta(days=10))
    link(lead, systems=[system])
    backdate_latest_version("A.6.2.4", 5)
    registry.ai_system_update(
        system,
        actor=lead,
        data={"name": "Service desk copilot"},
        expected_version=system.version,
        reason="Renamed",
    )
    assert as_of(3)["systems"] == ["Helpdesk assistant"]
    assert as_of(0)["systems"] == ["Service desk copilot"]


def test_an_entry_edit_is_one_version_with_its_links(lead, two_systems):
    a, b = two_systems
    before = SoAEntry.history.filter(id=entry().pk).count()
    link(lead, systems=[a, b], risks=[factories.risk(lead)])
    versions = SoAEntry.history.filter(id=entry().pk)
    assert versions.count() == before + 1
    latest = versions.order_by("-history_id").first()
    assert latest.history_change_reason == "Links of A.6.2.4"
    assert sorted(latest.systems.values_list("aisystem_id", flat=True)) == [a.pk, b.pk]
    assert latest.risks.count() == 1


def test_a_refused_edit_leaves_the_links_as_they_were(lead, two_systems):
    a, b = two_systems
    link(lead, systems=[a])
    stale = entry().version - 1
    with pytest.raises(services.records.StaleVersionError):
        services.soa_entry_update(
            entry(), actor=lead, data={"systems": [b]}, expected_version=stale, reason="Old"
        )
    assert list(entry().systems.all()) == [a]


def test_links_set_outside_the_services_are_recorded_too(lead, two_systems):
    a, _ = two_systems
    e = entry()
    e.systems.add(a)  # e.g. the admin or a script: simple-history's m2m signal records it
    latest = SoAEntry.history.filter(id=e.pk).order_by("-history_id").first()
    assert list(latest.systems.values_list("aisystem_id", flat=True)) == [a.pk]


# --- entries linked before link history existed (migration 0005) -----------------------------

START = importlib.import_module("controls.migrations.0005_soaentry_link_history_start")


class SchemaEditor:
    connection = connection


def test_the_migration_marks_where_link_history_starts(lead, two_systems, catalogue_in_the_past):
    assert START.START_REASON == selectors.LINK_HISTORY_START_REASON
    a, _ = two_systems
    old = entry()
    old.skip_history_when_saving = True  # as before link history: no version holds the link
    old.systems.add(a)
    del old.skip_history_when_saving
    versions = SoAEntry.history.count()
    START.start_link_history(apps, SchemaEditor())
    assert SoAEntry.history.count() == versions + SoAEntry.objects.count()
    assert as_of(0)["systems"] == ["Support bot"]
    assert as_of(0, "A.2.2")["systems"] == []  # link history starts for every entry
    past = timezone.now() - timedelta(days=1)
    SoAEntry.history.filter(history_change_reason=START.START_REASON).update(
        history_date=timezone.now() - timedelta(hours=1)
    )
    before = next(r for r in selectors.snapshot_as_of(past) if r["ref"] == "A.6.2.4")
    assert before["systems"] is None and before["risks"] is None


def test_the_migration_does_nothing_on_a_database_without_links():
    versions = SoAEntry.history.count()
    START.start_link_history(apps, SchemaEditor())
    assert SoAEntry.history.count() == versions


def test_the_page_says_links_were_not_recorded_before_link_history(client_for, lead, two_systems):
    e = entry()
    e.skip_history_when_saving = True
    e.systems.add(two_systems[0])
    del e.skip_history_when_saving
    START.start_link_history(apps, SchemaEditor())
    SoAEntry.history.filter(history_change_reason=START.START_REASON).update(
        history_date=timezone.now() - timedelta(days=1)
    )
    SoAEntry.history.exclude(history_change_reason=START.START_REASON).update(
        history_date=timezone.now() - timedelta(days=5)
    )
    html = client_for(lead).get(f"/controls/soa/?as_of={day(3)}").content.decode()
    assert "Systems and risks: not recorded" in html
    assert "Links were not yet recorded in history on that date" in html
    html = client_for(lead).get(f"/controls/soa/?as_of={day(0)}").content.decode()
    assert "not recorded" not in html and "Systems: Support bot" in html


# --- the ledger covers link history ----------------------------------------------------------


def verify():
    out = io.StringIO()
    try:
        call_command("verify_ledger", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_link_history_tables_are_covered_and_belong_to_the_controls_area():
    covered = ledger_selectors.historical_models()
    assert SYSTEM_LINKS in covered and RISK_LINKS in covered
    assert ledger_selectors.model_area(SYSTEM_LINKS) == "controls"
    assert SYSTEM_LINKS in ledger_selectors.models_for_area("controls")


def test_linking_keeps_the_ledger_intact_and_a_forged_link_is_detected(lead, two_systems):
    a, b = two_systems
    link(lead, systems=[a], risks=[factories.risk(lead)])
    row = SYSTEM_LINKS.objects.get()
    assert factories.checked_ledger().problems == []
    ok, out = verify()
    assert ok and "OK: the ledger is intact." in out, out

    table = connection.ops.quote_name(SYSTEM_LINKS._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET aisystem_id = %s WHERE m2m_history_id = %s",
            [b.pk, row.m2m_history_id],
        )
    problems = ledger.chain_check().problems
    assert problems and "controls.historicalsoaentry_systems" in problems[0]["message"]
    ok, out = verify()
    assert not ok and "Content changed" in out, out


def test_the_migration_chains_the_rows_it_writes(lead, two_systems):
    e = entry()
    e.skip_history_when_saving = True
    e.systems.add(*two_systems)
    del e.skip_history_when_saving
    START.start_link_history(apps, SchemaEditor())
    assert factories.checked_ledger().problems == []


# --- the history pages show link changes ------------------------------------------------------


def history_url(e, diff=None):
    url = f"/history/controls/soaentry/{e.pk}/"
    if diff:
        url += f"diff/?from={diff[0].history_id}&to={diff[1].history_id}"
    return url


def test_the_diff_names_linked_systems_before_and_after(client_for, lead, two_systems):
    a, b = two_systems
    link(lead, systems=[a])
    first = SoAEntry.history.filter(id=entry().pk).latest("history_id")
    link(lead, systems=[a, b], justification="Both systems decide on customers.")
    second = SoAEntry.history.filter(id=entry().pk).latest("history_id")
    html = client_for(lead).get(history_url(entry(), (first, second))).content.decode()
    assert '<th scope="row">AI systems</th>' in html
    # Only the added system is marked; the one kept is neither struck out nor marked added.
    assert '<ins><span class="visually-hidden">Added: </span>Credit model</ins>' in html
    assert "Removed: </span>Support bot" not in html and "Added: </span>Support bot" not in html
    assert "<del>Support bot" not in html
    assert '<th scope="row">Risks</th>' not in html  # unchanged links are not listed


def test_the_history_list_counts_a_link_change_as_a_changed_field(client_for, lead, two_systems):
    link(lead, systems=[two_systems[0]])
    html = client_for(lead).get(history_url(entry())).content.decode()
    assert "AI systems" in html.split("<tbody>")[1].split("</tr>")[0]


def test_links_before_link_history_show_as_not_recorded(client_for, lead, two_systems):
    e = entry()
    e.skip_history_when_saving = True
    e.systems.add(two_systems[0])
    del e.skip_history_when_saving
    before = SoAEntry.history.filter(id=e.pk).latest("history_id")
    START.start_link_history(apps, SchemaEditor())
    started = SoAEntry.history.filter(id=e.pk).latest("history_id")
    html = client_for(lead).get(history_url(e, (before, started))).content.decode()
    assert "<del>(not recorded)</del>" in html and "<ins>Support bot</ins>" in html
    html = client_for(lead).get(history_url(e)).content.decode()
    start_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert '<td class="small">—</td>' in start_row  # not recorded before is not a change


def test_the_history_pages_query_count_does_not_grow_with_links(client_for, lead, two_systems):
    client = client_for(lead)
    link(lead, systems=[two_systems[0]])
    with CaptureQueriesContext(connection) as few:
        client.get(history_url(entry()))
    more = [factories.ai_system(lead, slug=f"s{i}", name=f"System {i}") for i in range(6)]
    for i in range(1, 7):
        link(lead, systems=more[:i], risks=[])
    with CaptureQueriesContext(connection) as many:
        client.get(history_url(entry()))
    assert len(many) == len(few)
    versions = SoAEntry.history.filter(id=entry().pk).order_by("history_id")
    with CaptureQueriesContext(connection) as diff_few:
        client.get(history_url(entry(), (versions[0], versions[1])))
    with CaptureQueriesContext(connection) as diff_many:
        client.get(history_url(entry(), (versions[0], versions.last())))
    assert len(diff_many) == len(diff_few)
