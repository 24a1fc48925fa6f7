"""Two-factor authentication with time-based one-time codes (TOTP, django-otp).

Rules enforced here:
- a user with a confirmed authenticator must give a valid code at every login;
- an authenticator counts only once a code from it has been checked (confirmation);
- turning it off needs a current code, and is refused to administrators while
  AIMS_REQUIRE_ADMIN_2FA is on;
- the same applies to single sign-on, unless the identity provider asserts it verified more
  than one factor (then the session counts as verified).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode import make as make_qr
from qrcode.image.svg import SvgPathImage

from . import roles

# Session keys set at single sign-on (identity/sso.py): the provider asserted multi-factor
# authentication; or the user must still give a code from their authenticator.
PROVIDER_MFA_SESSION_KEY = "aims_provider_mfa"
CODE_DUE_SESSION_KEY = "aims_code_due"


def session_verified(request) -> bool:
    """A session is verified by an authenticator code, or by the identity provider's
    assertion of multi-factor authentication."""
    return request.user.is_verified() or bool(request.session.get(PROVIDER_MFA_SESSION_KEY))


def code_due(request) -> bool:
    """A single sign-on session without the provider's assertion, of a user with an
    authenticator: they give a code before anything else, as at a password login."""
    return bool(request.session.get(CODE_DUE_SESSION_KEY)) and not request.user.is_verified()


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def required_for(user):
    return settings.AIMS_REQUIRE_ADMIN_2FA and roles.ADMIN in roles.user_roles(user)


@transaction.atomic
def setup_start(user):
    """The unconfirmed authenticator the user is setting up (a fresh secret each time)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def pending_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def setup_confirm(user, token):
    device = pending_device(user)
    if device is None:
        raise ValidationError("Start the set-up again: no authenticator is waiting for a code.")
    if not device.verify_token((token or "").strip()):
        raise ValidationError("That code is not valid. Check the time on your phone and retry.")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


@transaction.atomic
def disable(user, token):
    if required_for(user):
        raise ValidationError("Administrators must keep two-factor authentication on.")
    device = confirmed_device(user)
    if device is None or not device.verify_token((token or "").strip()):
        raise ValidationError("That code is not valid.")
    TOTPDevice.objects.filter(user=user).delete()


def check_login_code(user, token):
    """The device that ``token`` proves, or a ValidationError; None when 2FA is off."""
    device = confirmed_device(user)
    if device is None:
        return None
    if not token:
        raise ValidationError(
            "This account uses two-factor authentication: enter the 6-digit code from "
            "your authenticator app.",
            code="otp_required",
        )
    if not device.verify_token(token.strip()):
        raise ValidationError("That authenticator code is not valid.", code="otp_invalid")
    return device


def qr_code_svg(device):
    """The provisioning URI as an SVG QR code, for the set-up page."""
    image = make_qr(device.config_url, image_factory=SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
