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
    """DRF token authentication that also honours the access window."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        refusal = window_refusal(user)
        if refusal:
            raise AuthenticationFailed(refusal)
        return user, token
