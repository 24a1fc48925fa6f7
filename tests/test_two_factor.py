"""Optional TOTP two-factor authentication, required for administrators when configured."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from aims_portal import two_factor

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device, steps_ahead=0):
    """The code the authenticator shows ``steps_ahead`` 30-second steps from now (a code
    is accepted once only, and one step of clock drift is tolerated)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _enable(client, user):
    client.force_login(user)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/", {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    client.logout()
    return device


def test_setup_page_shows_a_qr_code_and_the_key(client_for, lead):
    html = client_for(lead).get("/accounts/two-factor/").content.decode()
    assert "<svg" in html
    assert TOTPDevice.objects.filter(user=lead, confirmed=False).count() == 1


def test_a_wrong_confirmation_code_leaves_2fa_off(client_for, lead):
    client = client_for(lead)
    client.get("/accounts/two-factor/")
    response = client.post("/accounts/two-factor/", {"token": "000000"})
    assert "not valid" in response.content.decode()
    assert two_factor.confirmed_device(lead) is None


def test_a_code_cannot_be_used_twice(client, lead):
    device = _enable(client, lead)
    reused = code_for(device)  # the very code that confirmed the set-up
    client.post("/accounts/login/", {"username": "lead", "password": PASSWORD, "otp_token": reused})
    assert SESSION_KEY not in client.session


def test_a_wrong_code_slows_down_the_next_tries(client, lead):
    device = _enable(client, lead)
    client.post(
        "/accounts/login/", {"username": "lead", "password": PASSWORD, "otp_token": "123456"}
    )
    right_away = client.post(
        "/accounts/login/",
        {"username": "lead", "password": PASSWORD, "otp_token": code_for(device, 1)},
    )
    assert SESSION_KEY not in client.session
    assert "not valid" in right_away.content.decode()


def test_login_needs_the_code_once_enabled(client, lead, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the delay after a wrong code is tested above
    device = _enable(client, lead)
    missing = client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert "enter the 6-digit code" in missing.content.decode()
    wrong = client.post(
        "/accounts/login/", {"username": "lead", "password": PASSWORD, "otp_token": "123456"}
    )
    assert SESSION_KEY not in client.session
    assert "not valid" in wrong.content.decode()
    client.post(
        "/accounts/login/",
        {"username": "lead", "password": PASSWORD, "otp_token": code_for(device, 1)},
    )
    assert int(client.session[SESSION_KEY]) == lead.pk


def test_users_without_2fa_log_in_with_the_password_alone(client, lead):
    client.post("/accounts/login/", {"username": "lead", "password": PASSWORD})
    assert int(client.session[SESSION_KEY]) == lead.pk


def test_turning_it_off_needs_a_current_code(client, lead):
    device = _enable(client, lead)
    client.force_login(lead)
    client.post("/accounts/two-factor/", {"action": "disable", "token": "000000"})
    assert two_factor.confirmed_device(lead) is not None
    client.post("/accounts/two-factor/", {"action": "disable", "token": code_for(device, 1)})
    assert two_factor.confirmed_device(lead) is None


def test_admins_are_sent_to_set_it_up_when_required(client_for, admin_user, settings):
    settings.AIMS_REQUIRE_ADMIN_2FA = True
    client = client_for(admin_user)
    response = client.get("/inventory/suppliers/")
    assert response.status_code == 302 and response.url == "/accounts/two-factor/"
    assert client.get("/accounts/two-factor/").status_code == 200


def test_admins_cannot_turn_it_off_when_required(client, admin_user, settings):
    device = _enable(client, admin_user)
    settings.AIMS_REQUIRE_ADMIN_2FA = True
    client.post(
        "/accounts/login/",
        {"username": "admin", "password": PASSWORD, "otp_token": code_for(device, 1)},
    )
    assert client.get("/inventory/suppliers/").status_code == 200
    response = client.post(
        "/accounts/two-factor/", {"action": "disable", "token": code_for(device, -1)}
    )
    assert "you must keep it on" in response.content.decode()
    assert two_factor.confirmed_device(admin_user) is not None
    with pytest.raises(ValidationError, match="must keep two-factor"):
        two_factor.disable(admin_user, code_for(device, -1))


def test_other_roles_are_not_forced(client_for, lead, settings):
    settings.AIMS_REQUIRE_ADMIN_2FA = True
    assert client_for(lead).get("/inventory/suppliers/").status_code == 200
