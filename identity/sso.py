"""Single sign-on with OpenID Connect (authorization code flow with PKCE), on
mozilla-django-oidc.

Rules enforced here:
- sign-on is off unless a client id and the provider's endpoints are configured; the
  password login stays, for break-glass administrators;
- a provider account (issuer + subject) is one portal user, created at its first login;
  an existing account is linked by e-mail only when the provider says the address is
  verified;
- roles come from the provider's groups through the group mappings (services.sso_sign_in);
- a deactivated user, or one outside their access window, is refused with the reason;
- two-factor: a session is verified by the provider when its ID token asserts
  multi-factor authentication (``amr`` or ``acr``); otherwise the portal's own policy
  applies (aims_portal.two_factor), as after a password login;
- logging out also ends the session at the provider when it has an end-session endpoint.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from aims_portal import two_factor
from aims_portal.access import window_refusal

from . import services

# Claims of the ID token that say how the user authenticated; the userinfo answer may not
# repeat them.
ID_TOKEN_CLAIMS = ("iss", "sub", "amr", "acr", "auth_time")


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def provider_asserted_mfa(claims: dict) -> bool:
    """Whether the ID token says the user gave more than one factor (RFC 8176 ``amr``
    values, or an ``acr`` the settings name as multi-factor)."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(amr) & set(settings.AIMS_OIDC_MFA_AMR):
        return True
    return bool(claims.get("acr")) and claims["acr"] in settings.AIMS_OIDC_MFA_ACR


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, resolving users through the portal's services."""

    def __init__(self, *args, **kwargs):
        # Loaded for every password login too: without a provider it stays inert.
        if enabled():
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not enabled():
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # Sessions of this backend are resolved like password sessions (the access-window
        # middleware ends those outside their window, with the reason).
        user = self.UserModel._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        # The ID token's claims, updated by userinfo (Entra ID sends groups only in the ID
        # token), but how the user signed in is the ID token's word.
        claims = {
            **payload,
            **userinfo,
            **{k: payload[k] for k in ID_TOKEN_CLAIMS if k in payload},
        }
        user = services.sso_sign_in(claims, issuer=payload.get("iss", ""))
        refusal = "Your account is deactivated." if not user.is_active else window_refusal(user)
        if refusal:
            messages.error(self.request, refusal)
            self.request.sso_refused = True
            return None
        session = self.request.session
        session[two_factor.PROVIDER_MFA_SESSION_KEY] = provider_asserted_mfa(claims)
        session[two_factor.CODE_DUE_SESSION_KEY] = not session[
            two_factor.PROVIDER_MFA_SESSION_KEY
        ] and (two_factor.confirmed_device(user) is not None or two_factor.required_for(user))
        return user


def _not_configured(request):
    messages.info(request, "Single sign-on is not set up on this portal: log in with a password.")
    return redirect("login")


@login_not_required
def sso_start(request):
    """Sends the browser to the provider (state, nonce and PKCE challenge kept in the session)."""
    if not enabled():
        return _not_configured(request)
    return OIDCAuthenticationRequestView.as_view()(request)


class PortalCallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self):
        return reverse("login")


@login_not_required
def sso_callback(request):
    """Where the provider sends the browser back with the authorization code."""
    if not enabled():
        return _not_configured(request)
    response = PortalCallbackView.as_view()(request)
    if not request.user.is_authenticated and not getattr(request, "sso_refused", False):
        messages.error(request, "Single sign-on did not complete. Try again.")
    return response


def logout_url(request) -> str | None:
    """The provider's end-session address for this session, or None when the session did
    not come from the provider or the provider has no end-session endpoint."""
    id_token = request.session.get("oidc_id_token")
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    if not (enabled() and endpoint and id_token):
        return None
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": back,
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}?{query}"
