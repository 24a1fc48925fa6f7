from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError

from . import two_factor
from .access import window_refusal


class PortalAuthenticationForm(AuthenticationForm):
    """The login form: password, then the authenticator code for users who set one up.

    It tells a user with the right password that their access window is closed, instead
    of a generic "wrong password"."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=8,
        help_text="Only if you turned on two-factor authentication.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    otp_device = None

    def clean(self):
        try:
            cleaned = super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username")
            password = self.cleaned_data.get("password")
            user = get_user_model().objects.filter(username=username).first()
            if user and user.is_active and password and user.check_password(password):
                refusal = window_refusal(user)
                if refusal:
                    raise ValidationError(refusal, code="access_window") from None
            raise
        if self.user_cache is not None:
            try:
                self.otp_device = two_factor.check_login_code(
                    self.user_cache, cleaned.get("otp_token")
                )
            except ValidationError:
                # A wrong code counts as a failed login, so codes cannot be guessed
                # faster than passwords (django-axes locks out after a few).
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": self.user_cache.get_username()},
                    request=self.request,
                )
                raise
        return cleaned


class OTPCodeForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
