from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .access import window_refusal


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes lockout for every login made through a web request.

    Authentication without a request (scripts, the Django test client's ``login``) has no
    address to throttle on; it is left to the next backend instead of raising.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PortalModelBackend(ModelBackend):
    """Django's username/password backend, closed outside a user's access window."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and window_refusal(user) is None

    def get_user(self, user_id):
        # A session of a user whose window has closed is still resolved here, so that
        # AccessWindowMiddleware can end it with a message saying why.
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and ModelBackend.user_can_authenticate(self, user) else None


class PortalTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` against the portal's hashed tokens (DRF's own token
    model keeps keys in plain text); also honours the access window.

    DRF's class is kept as the base for its header parsing and its OpenAPI description.
    """

    def authenticate_credentials(self, key):
        from .api_tokens import api_token_authenticate

        token = api_token_authenticate(key)
        if token is None:
            raise AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        refusal = window_refusal(token.user)
        if refusal:
            raise AuthenticationFailed(refusal)
        return token.user, token
