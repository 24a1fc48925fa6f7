"""User and role management in the portal: invitations, roles and responsibilities, access
windows, scopes and deactivation; each change kept in the user's history (and so in the
ledger); pages and API for administrators only; a constant number of queries."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aims_portal import roles, scopes
from aims_portal.api_tokens import api_token_create
from identity import services
from identity.models import AccessScope
from integrity.models import LedgerEntry
from registry.models import AISystem

from . import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


def held(user):
    return {g.name for g in User.objects.get(pk=user.pk).groups.all()}


def test_roles_and_responsibilities_are_set_with_a_reason_in_history(admin_user, owner):
    services.user_roles_set(
        owner, actor=admin_user, roles_wanted=["auditor", "dpo"], reason="Moved to assurance"
    )
    assert held(owner) == {"auditor", "dpo"}
    latest = owner.history.first()
    assert latest.history_user == admin_user
    assert "given Auditor, Data protection officer" in latest.history_change_reason
    assert "taken away System owner" in latest.history_change_reason
    assert "Moved to assurance" in latest.history_change_reason
    label = latest._meta.label_lower
    assert LedgerEntry.objects.filter(covered_model=label, covered_id=latest.pk).exists()


def test_only_administrators_manage_users(lead, owner):
    with pytest.raises(PermissionDenied):
        services.user_roles_set(owner, actor=lead, roles_wanted=["auditor"], reason="x")
    assert held(owner) == {roles.SYSTEM_OWNER}


def test_bad_input_changes_nothing(admin_user, owner):
    with pytest.raises(ValidationError):
        services.user_roles_set(owner, actor=admin_user, roles_wanted=["pope"], reason="x")
    with pytest.raises(ValidationError):
        services.user_roles_set(owner, actor=admin_user, roles_wanted=["auditor"], reason=" ")
    start = timezone.now()
    with pytest.raises(ValidationError, match="end after it starts"):
        services.user_access_window_set(
            owner, actor=admin_user, access_from=start, access_until=start, reason="x"
        )
    assert held(owner) == {roles.SYSTEM_OWNER}
    assert User.objects.get(pk=owner.pk).access_from is None


def test_invitation_sends_a_set_password_link_that_works_once(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = services.user_invite(
            actor=admin_user, email="Nia@Example.test", first_name="Nia", roles_wanted=["auditor"]
        )
    assert person.email == "nia@example.test" and not person.has_usable_password()
    assert held(person) == {"auditor"}
    (message,) = mail.outbox
    link = re.search(r"https?://\S+", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form = client.get("/" + path, follow=True)
    assert form.status_code == 200 and b"Set my password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long Passphrase 42!", "new_password2": "a long Passphrase 42!"},
    )
    assert done.status_code == 302
    assert User.objects.get(pk=person.pk).check_password("a long Passphrase 42!")
    again = client.get("/" + path, follow=True)
    assert b"has been used or has expired" in again.content
    with pytest.raises(ValidationError, match="already has an account"):
        services.user_invite(actor=admin_user, email="nia@example.test")


def test_deactivation_ends_sessions_and_tokens_at_once(admin_user, auditor):
    browser = Client()
    browser.force_login(auditor)
    token = api_token_create(auditor).key
    assert browser.get(reverse("home")).status_code == 200
    services.user_deactivate(auditor, actor=admin_user, reason="Engagement over")
    assert not Session.objects.filter(session_key=browser.session.session_key).exists()
    assert browser.get(reverse("home")).status_code == 302
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/").status_code == 401
    auditor.refresh_from_db()
    assert not auditor.is_active and auditor.history.first().history_change_reason.startswith(
        "Deactivated"
    )
    with pytest.raises(ValidationError):
        services.user_deactivate(admin_user, actor=admin_user, reason="oops")


def test_scope_limits_what_restrict_returns(admin_user, lead, auditor):
    inside = factories.ai_system(lead)
    outside = factories.ai_system(lead)
    in_risk = factories.risk(lead, systems=[inside])
    out_risk = factories.risk(lead, systems=[outside])
    services.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="Engaged for one system"
    )
    auditor = User.objects.get(pk=auditor.pk)
    assert list(scopes.restrict(AISystem.objects.all(), auditor)) == [inside]
    from assessments.models import Risk

    assert list(scopes.restrict(Risk.objects.all(), auditor)) == [in_risk]
    assert scopes.visible(auditor, in_risk) and not scopes.visible(auditor, out_risk)
    # Admins are never limited; an empty scope lifts the limit.
    with pytest.raises(ValidationError):
        services.access_scope_set(
            admin_user, actor=admin_user, teams=[], systems=[inside], reason="x"
        )
    services.access_scope_set(auditor, actor=admin_user, teams=[], systems=[], reason="Done")
    auditor = User.objects.get(pk=auditor.pk)
    assert set(scopes.restrict(AISystem.objects.all(), auditor)) == {inside, outside}
    assert AccessScope.objects.get(user=auditor).history.count() == 2


def test_restrict_applies_own_only_grants(lead, owner):
    mine = factories.ai_system(lead, owner=owner)
    factories.ai_system(lead)
    assert list(scopes.restrict(AISystem.objects.all(), owner, "change")) == [mine]
    assert scopes.restrict(AISystem.objects.all(), owner, "delete").count() == 0


def test_user_management_pages(client, admin_user, owner, lead):
    client.force_login(admin_user)
    listing = client.get(reverse("identity:user-list"))
    assert listing.status_code == 200 and owner.username in listing.content.decode()
    detail = reverse("identity:user-detail", args=[owner.pk])
    response = client.post(
        detail,
        {"action": "roles", "roles-roles": ["executive"], "roles-change_reason": "Promoted"},
    )
    assert response.status_code == 302
    assert held(owner) == {roles.EXECUTIVE}
    refused = client.post(detail, {"action": "window", "window-change_reason": ""})
    assert refused.status_code == 400
    client.force_login(lead)
    assert client.get(reverse("identity:user-list")).status_code == 403
    assert (
        client.post(detail, {"action": "deactivate", "deactivate-change_reason": "x"}).status_code
        == 403
    )
    assert User.objects.get(pk=owner.pk).is_active


def test_user_api_uses_the_same_services(client, admin_user, owner):
    client.force_login(admin_user)
    url = reverse("identity-user-roles", args=[owner.pk])
    response = client.post(
        url,
        {"roles": ["auditor"], "change_reason": "Audit season"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["roles"] == ["auditor"]
    bad = client.post(
        url, {"roles": ["pope"], "change_reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 400
    listed = client.get(reverse("identity-user-list")).json()
    assert {"two_factor", "single_sign_on", "last_login"} <= set(listed["results"][0])


@pytest.mark.parametrize("path", ["identity:user-list", "identity-user-list"])
def test_user_lists_keep_their_query_count(client, admin_user, lead, path):
    client.force_login(admin_user)
    system = factories.ai_system(lead)

    def grow(n):
        for _ in range(n):
            person = factories.UserFactory(role=roles.AUDITOR)
            services.access_scope_set(
                person, actor=admin_user, teams=[], systems=[system], reason="Scoped"
            )

    def count():
        client.get(reverse(path))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(path)).status_code == 200
        return len(captured)

    grow(2)
    small = count()
    grow(20)
    assert count() == small


def test_access_window_is_set_from_the_page(client, admin_user, auditor):
    client.force_login(admin_user)
    until = (timezone.now() + datetime.timedelta(days=30)).replace(second=0, microsecond=0)
    client.post(
        reverse("identity:user-detail", args=[auditor.pk]),
        {
            "action": "window",
            "window-access_until": timezone.localtime(until).strftime("%Y-%m-%dT%H:%M"),
            "window-change_reason": "Engagement letter",
        },
    )
    assert User.objects.get(pk=auditor.pk).access_until == until


def test_dashboard_figures_count_only_the_scope(admin_user, lead, auditor):
    from aims_portal import dashboard
    from aims_portal.scopes import within_scope
    from registry.dashboard import systems_by_tier_and_stage  # noqa: F401 (registers the card)

    inside = factories.ai_system(lead, risk_tier="high")
    factories.ai_system(lead, risk_tier="high")
    factories.ai_system(lead, risk_tier="low")
    services.access_scope_set(
        auditor, actor=admin_user, teams=[], systems=[inside], reason="Engaged for one system"
    )
    auditor = User.objects.get(pk=auditor.pk)
    spec = dashboard.Counted(AISystem.objects.all(), ("risk_tier",))
    whole = dashboard.grouped_counts({"s": spec})["s"]
    scoped = dashboard.grouped_counts(
        {"s": dashboard.replace(spec, queryset=within_scope(spec.queryset, auditor))}
    )["s"]
    assert dashboard.total(whole) == 3
    assert scoped == {("high",): 1}


def test_a_code_is_asked_after_sign_on_without_provider_mfa(client, auditor):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aims_portal import two_factor

    device = TOTPDevice.objects.create(user=auditor, name="phone", confirmed=True)
    client.force_login(auditor)
    session = client.session
    session[two_factor.CODE_DUE_SESSION_KEY] = True
    session.save()
    home = client.get(reverse("home"))
    assert home["Location"] == f"{reverse('two-factor-verify')}?next=%2F"
    wrong = client.post(reverse("two-factor-verify"), {"token": "000000", "next": "/"})
    assert wrong.status_code == 200 and b"not valid" in wrong.content
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows retries after a failure
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    right = client.post(reverse("two-factor-verify"), {"token": f"{totp.token():06d}", "next": "/"})
    assert right["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
