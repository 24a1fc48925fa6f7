"""Identity journeys in a real browser: signing in through the organisation's OpenID
provider (tests/oidc_provider.py), an administrator limiting an auditor to one AI system on
the user management page, and that auditor's view of the inventory."""

import pytest
from playwright.sync_api import expect

from aims_portal import roles
from identity import services
from identity.models import ExternalIdentity

from . import factories
from .axe import violations
from .browser import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_the_identity_provider(page, sso, make_user):
    admin = make_user(roles.ADMIN, username="root", is_superuser=True)
    services.group_mapping_create(
        actor=admin, data={"group": "aims-governance", "role": roles.GOVERNANCE_LEAD}
    )
    sso.set_account("gina", given_name="Gina", family_name="Lopez", groups=["aims-governance"])

    page.goto("/accounts/login/")
    assert not violations(page)
    screenshot(page, "identity-01-login-with-sso")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill("gina")
    page.get_by_label("I used my second factor").check()
    screenshot(page, "identity-02-provider-login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("button", name="Gina Lopez")).to_be_visible()
    expect(page.get_by_text("Governance lead").first).to_be_visible()
    assert ExternalIdentity.objects.filter(subject="gina", issuer=sso.issuer).exists()
    screenshot(page, "identity-03-signed-in")

    page.get_by_role("button", name="Gina Lopez").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_admin_scopes_an_auditor_who_then_sees_one_system(page, make_user):
    admin = make_user(roles.ADMIN, username="root", is_superuser=True, is_staff=True)
    lead = make_user(roles.GOVERNANCE_LEAD, username="grace")
    make_user(roles.AUDITOR, username="ali", first_name="Ali", last_name="Auditor")
    factories.ai_system(lead, name="Support assistant")
    factories.ai_system(lead, name="Fraud scoring")
    factories.ai_system(lead, name="CV screening")

    log_in(page, "root", factories.PASSWORD)
    page.goto("/people/users/")
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible()
    assert not violations(page)
    page.get_by_role("link", name="Ali Auditor").click()
    assert not violations(page)
    page.get_by_label("AI systems").select_option(label="Fraud scoring")
    page.get_by_label("Reason").nth(1).fill("Engaged to audit fraud scoring")
    page.get_by_role("button", name="Save scope").click()
    expect(page.get_by_text("access scope saved")).to_be_visible()
    page.goto("/people/users/")
    screenshot(page, "identity-04-user-management")
    page.context.clear_cookies()

    log_in(page, "ali", factories.PASSWORD)
    page.goto("/inventory/systems/")
    table = page.locator("table")
    expect(table.get_by_role("link", name="Fraud scoring")).to_be_visible()
    expect(table.get_by_role("link", name="Support assistant")).to_have_count(0)
    expect(table.get_by_role("link", name="CV screening")).to_have_count(0)
    screenshot(page, "identity-05-scoped-auditor-inventory")
    assert admin.is_superuser
