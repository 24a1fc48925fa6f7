"""The integrity pages: who may see them, and a constant number of queries however long the
ledger, however many checkpoints and bundles."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrity import job_start, services

from . import factories

pytestmark = pytest.mark.django_db


def grow(lead, auditor, n):
    for i in range(n):
        factories.supplier(lead, name=f"Supplier {i:03} {n}")
        services.checkpoint_create()
    job_start.bundle_request(actor=auditor)
    job_start.verification_start(actor=auditor)


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_integrity_page_query_count_is_constant(client_for, lead, auditor):
    client = client_for(auditor)
    # Enough suppliers that the latest entries are of the same kinds at both sizes (names
    # are read with one query per kind of row among them).
    grow(lead, auditor, 9)
    small = count(client, "/integrity/")
    grow(lead, auditor, 20)
    assert count(client, "/integrity/") == small


def test_bundle_page_query_count_is_constant(client_for, lead, auditor):
    client = client_for(auditor)
    grow(lead, auditor, 2)
    first = job_start.bundle_request(actor=auditor)
    small = count(client, f"/integrity/bundles/{first.pk}/")
    grow(lead, auditor, 20)
    large = job_start.bundle_request(actor=auditor)
    assert count(client, f"/integrity/bundles/{large.pk}/") == small


@pytest.mark.parametrize("role", ["auditor", "lead", "executive", "admin_user"])
def test_roles_with_ledger_view_see_the_page(request, client_for, role):
    user = request.getfixturevalue(role)
    response = client_for(user).get("/integrity/")
    assert response.status_code == 200
    assert "Integrity ledger" in response.content.decode()


def test_system_owner_is_refused(client_for, owner):
    assert client_for(owner).get("/integrity/").status_code == 403
    assert client_for(owner).post("/integrity/verify/").status_code == 403


def test_sign_button_only_for_admins(client_for, auditor, admin_user):
    assert "Sign checkpoint now" not in client_for(auditor).get("/integrity/").content.decode()
    assert "Sign checkpoint now" in client_for(admin_user).get("/integrity/").content.decode()


def test_another_users_bundle_is_not_found(client_for, lead, auditor):
    bundle = job_start.bundle_request(actor=lead)
    assert client_for(auditor).get(f"/integrity/bundles/{bundle.pk}/").status_code == 404


def test_dashboard_card_links_to_the_integrity_page(client_for, auditor):
    job_start.verification_start(actor=auditor)
    html = client_for(auditor).get("/").content.decode()
    assert "Integrity ledger" in html
    assert 'href="/integrity/"' in html


def test_running_verification_shows_progress(client_for, lead, auditor):
    from integrity.models import VerificationRun

    factories.supplier(lead)
    VerificationRun.objects.create(triggered_by=auditor, entries_checked=1)
    html = client_for(auditor).get("/integrity/").content.decode()
    assert "Verification running" in html
    assert "1 of " in html
