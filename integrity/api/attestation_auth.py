"""Authentication with a per-system attestation token: ``Authorization: Bearer aims_att_…``.

A token is not a user: the request stays anonymous (``request.user``) and carries the
token as ``request.auth``; the attestation endpoints accept exactly that. A different
keyword from the users' ``Token`` keeps the two kinds of credential apart.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from ..attestations import KEY_PREFIX, attestation_token_authenticate
from ..models import AttestationToken


class AttestationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as: Bearer <token key>.")
        key = parts[1].decode(errors="replace")
        if not key.startswith(KEY_PREFIX):
            raise exceptions.AuthenticationFailed("This is not an attestation token.")
        try:
            token = attestation_token_authenticate(key)
        except PermissionDenied as refusal:
            raise exceptions.AuthenticationFailed(str(refusal)) from refusal
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="attestations"'


class HasAttestationToken(permissions.BasePermission):
    """Registering attestations needs an attestation token, not a user's login."""

    message = (
        "Register attestations with the AI system's attestation token "
        "(Authorization: Bearer aims_att_…), not with a user's login or API token."
    )

    def has_permission(self, request, view):
        return isinstance(request.auth, AttestationToken)


class AttestationTokenScheme(OpenApiAuthenticationExtension):
    target_class = AttestationTokenAuthentication
    name = "attestationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A per-system attestation token, created by an administrator on "
            "the AI system's page (shown once).",
        }
