"""The ledger in words: entries named as the record versions and attestations they cover,
linked to that version; link rows and unchanged sign-ins grouped under their version; the
browse page paged by sequence with a constant number of queries."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone

from assessments import services as assessments
from integrity import selectors
from integrity import verify_receipt as tlog
from integrity.attestations import attestation_token_create, attestations_register
from integrity.models import LedgerEntry
from registry import services as registry
from registry.models import Supplier

from . import factories
from .test_attestations_api import item

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
def grace(make_user):
    return make_user("governance_lead", username="grace", first_name="Grace", last_name="Lead")


def when(moment):
    return dateformat.format(timezone.localtime(moment), "j M Y H:i")


def page_html(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def latest_groups(count=selectors.RECENT_ENTRIES):
    return selectors.entry_groups(list(LedgerEntry.objects.order_by("-sequence")[:count]))


def sequences(groups):
    found = []
    for group in groups:
        found += [line.entry.sequence for line in ([group.line] if group.line else [])]
        found += [line.entry.sequence for line in group.members]
    return found


def test_a_version_is_named_and_linked_to_that_version(client_for, grace, auditor):
    risk = factories.risk(grace)
    risk = assessments.risk_update(
        risk, actor=grace, data={"title": "Leaks"}, expected_version=1, reason="Sharper title"
    )
    version = risk.history.order_by("-history_id").first()
    text = f"Risk {risk.reference}, version 2, by Grace Lead, {when(version.history_date)}"
    url = f"/history/assessments/risk/{risk.pk}/?version={version.history_id}"
    page = page_html(client_for(auditor), "/integrity/")
    assert f'<a href="{url}#version-{version.history_id}">{text}</a>' in page
    assert "historicalrisk" not in page


def test_the_link_opens_the_history_page_at_that_version(client_for, grace, auditor):
    supplier = factories.supplier(grace, name="Northwind")
    for n in range(30):  # more versions than one history page holds
        supplier = registry.supplier_update(
            supplier,
            actor=grace,
            data={"services": f"API {n}"},
            expected_version=supplier.version,
            reason="Edit",
        )
    second = Supplier.history.filter(id=supplier.pk).order_by("history_id")[1]
    url = f"/history/registry/supplier/{supplier.pk}/?version={second.history_id}"
    page = page_html(client_for(auditor), url)
    assert f'id="version-{second.history_id}" class="table-active" aria-current="true"' in page
    assert "Page 2 of 2" in page


def test_link_rows_are_grouped_under_their_version(grace):
    systems = [factories.ai_system(grace, name=f"Assistant {n}") for n in range(2)]
    risk = factories.risk(grace, systems=systems)
    group = next(g for g in latest_groups() if g.text.startswith(f"Risk {risk.reference}"))
    assert group.line.entry.covered_model == "assessments.historicalrisk"
    assert sorted(line.text for line in group.members) == [
        "Link to AI system Assistant 0",
        "Link to AI system Assistant 1",
    ]
    assert {line.entry.covered_model for line in group.members} == {
        "assessments.historicalrisk_systems"
    }


def sign_ins(groups, user):
    group = next(g for g in groups if g.text.startswith(f"User {user.get_full_name()}"))
    return [line for line in group.members if line.text.startswith("Sign-in")]


def test_sign_ins_are_grouped_under_the_users_version(client, auditor):
    before = len(sign_ins(latest_groups(), auditor))  # the factory's own unchanged save
    for _ in range(2):
        client.force_login(auditor)  # moves only last_login: an unchanged history row
        client.logout()
    groups = latest_groups()
    signed_in = sign_ins(groups, auditor)
    assert len(signed_in) == before + 2
    assert all(f"of {auditor.get_full_name()}" in line.text for line in signed_in)
    # Each sign-in is in exactly one group: none stands alone.
    assert sorted(sequences(groups)) == sorted(
        LedgerEntry.objects.order_by("-sequence").values_list("sequence", flat=True)[:8]
    )


def test_a_real_change_of_a_user_is_not_a_sign_in(auditor):
    auditor.first_name = "Renamed"
    auditor.save()
    group = latest_groups(1)[0]
    assert group.line is not None and not group.members
    assert group.text.startswith(f"User Renamed {auditor.last_name}, saved, by the system")


def test_an_attestation_is_named_and_linked(client_for, grace, admin_user, auditor):
    system = factories.ai_system(grace, slug="support-assistant")
    version = registry.model_version_create(
        actor=grace,
        data={
            "system": system,
            "label": "v3",
            "deployed_at": timezone.now() - datetime.timedelta(1),
        },
    )
    token, _ = attestation_token_create(actor=admin_user, system=system, name="Gateway")
    done = attestations_register(token=token, items=[item(version, 1)])
    attestation = done[0].attestation
    text = f"Attestation of support-assistant (model v3), {when(attestation.recorded_at)}"
    page = page_html(client_for(auditor), "/integrity/")
    assert f'<a href="/inventory/attestations/{attestation.pk}/">{text}</a>' in page


def test_an_entry_whose_row_is_gone_is_still_listed(grace):
    supplier = factories.supplier(grace, name="Gone")
    history = Supplier.history.model
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {history._meta.db_table} WHERE id = %s", [supplier.pk])
    group = latest_groups(1)[0]
    assert group.text.endswith("(row not found)")
    assert group.line.entry.covered_model == "registry.historicalsupplier"


def grow(lead, n):
    """n suppliers, n risks linked to a system, n sign-ins: the same kinds at every size."""
    system = factories.ai_system(lead)
    for i in range(n):
        factories.supplier(lead, name=f"Supplier {i:03} {n}")
        factories.risk(lead, systems=[system], title=f"Risk {i} of {n}")
        lead.save()


def walk(**filters):
    """Every page from the newest, following "older"; then back one page with "newer"."""
    pages = [selectors.entry_page(size=10, **filters)]
    while pages[-1].older_than:
        pages.append(selectors.entry_page(size=10, before=pages[-1].older_than, **filters))
    return pages


def test_keyset_pages_list_every_entry_once_newest_first(grace):
    grow(grace, 8)
    pages = walk()
    listed = [s for page in pages for s in sorted(sequences(page.groups), reverse=True)]
    everything = list(LedgerEntry.objects.order_by("-sequence").values_list("sequence", flat=True))
    assert sorted(listed, reverse=True) == everything
    assert len(listed) == len(set(listed))
    assert pages[0].newer_than is None and pages[-1].older_than is None
    back = selectors.entry_page(size=10, after=pages[2].newer_than)
    assert sequences(back.groups) and set(sequences(back.groups)) == set(sequences(pages[1].groups))


def test_filter_by_record_type_and_record(client_for, grace, auditor):
    system = factories.ai_system(grace, name="Assistant")
    mine = factories.risk(grace, systems=[system])
    factories.risk(grace, systems=[system], title="Another risk")
    factories.supplier(grace, name="Northwind")
    pages = walk(record_label="assessments.risk", record_id=mine.pk)
    groups = [g for page in pages for g in page.groups]
    assert [g.text.split(",")[0] for g in groups] == [f"Risk {mine.reference}"]
    assert [line.text for line in groups[0].members] == ["Link to AI system Assistant"]
    kinds = {
        line.entry.covered_model
        for page in walk(record_label="assessments.risk")
        for g in page.groups
        for line in [g.line, *g.members]
    }
    assert kinds == {"assessments.historicalrisk", "assessments.historicalrisk_systems"}
    page = page_html(client_for(auditor), "/integrity/entries/?model=registry.supplier")
    assert "Supplier Northwind, version 1 (created)" in page
    assert "Risk RISK" not in page


def test_each_entry_has_its_hashes_and_an_inclusion_proof(client_for, grace, auditor):
    factories.supplier(grace, name="Northwind")
    entry = LedgerEntry.objects.filter(covered_model="registry.historicalsupplier").get()
    client = client_for(auditor)
    page = page_html(client, "/integrity/entries/")
    for value in (entry.entry_hash, entry.prev_hash, entry.content_hash):
        assert f'<code class="ledger-hash user-select-all">{value}</code>' in page
    link = f"/api/v1/integrity/proofs/inclusion/?index={entry.sequence - 1}"
    assert f'href="{link}"' in page
    proof = client.get(link).json()
    leaf = tlog.leaf_hash(
        tlog.entry_text(
            entry.prev_hash, entry.kind, entry.covered_model, entry.covered_id, entry.content_hash
        )
    )
    assert tlog.verify_inclusion(
        entry.sequence - 1,
        proof["tree_size"],
        leaf,
        [bytes.fromhex(p) for p in proof["proof"]],
        bytes.fromhex(proof["root_hash"]),
    )


def test_page_links_keep_the_filter(client_for, grace, auditor):
    for i in range(60):
        factories.supplier(grace, name=f"Supplier {i}")
    page = page_html(client_for(auditor), "/integrity/entries/?model=registry.supplier")
    oldest_shown = LedgerEntry.objects.filter(covered_model="registry.historicalsupplier")
    oldest_shown = oldest_shown.order_by("-sequence")[selectors.PAGE_SIZE - 1].sequence
    assert f'href="?model=registry.supplier&before={oldest_shown}">Older entries' in page


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def urls():
    middle = LedgerEntry.objects.order_by("sequence")[20].sequence
    return [
        "/integrity/",
        "/integrity/entries/",
        f"/integrity/entries/?before={middle}",
        "/integrity/entries/?model=assessments.risk",
        "/integrity/entries/?model=assessments.risk&record=1",
    ]


def test_query_counts_do_not_grow_with_the_ledger(client_for, grace, auditor):
    client = client_for(auditor)
    grow(grace, 15)  # a first page of only these kinds of rows, as at the larger size
    small = {url: count(client, url) for url in urls()}
    grow(grace, 40)
    assert {url: count(client, url) for url in urls()} == small


@pytest.mark.parametrize("role", ["auditor", "lead", "admin_user"])
def test_auditors_and_leads_may_browse(request, client_for, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get("/integrity/entries/").status_code == 200


def test_system_owner_may_not_browse(client_for, owner):
    assert client_for(owner).get("/integrity/entries/").status_code == 403


@pytest.mark.parametrize(
    "query", ["before=abc", "after=-1", "before=99999999999", "model=nope", "record=x&model=1"]
)
def test_odd_parameters_are_ignored(client_for, auditor, query):
    assert client_for(auditor).get(f"/integrity/entries/?{query}").status_code == 200
