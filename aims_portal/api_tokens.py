"""Personal API tokens: each user creates, replaces and revokes their own token, on the
"API token" page and through /api/v1/auth/token/.

Rules enforced here:
- a user has at most one token; creating one replaces (and so revokes) the previous one;
- the key is shown once, when it is made; the portal keeps only its SHA-256 and its first
  characters, so nobody (administrators included, in the admin or the database) can read
  a key afterwards;
- revoking deletes the token, so it is refused from the next request on;
- tokens are personal: a token is only ever made for the user who asks, and nothing (the
  admin included) makes one for someone else;
- a token works only while its user may log in (access window, active account), which
  PortalTokenAuthentication checks on every request.
"""

import hashlib
import secrets

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import APIToken

PREFIX_LENGTH = 6


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(user) -> APIToken:
    """A new token for ``user`` (the old one, if any, stops working). The returned token
    carries the key as ``.key``: the only time it exists outside the caller's hands."""
    APIToken.objects.filter(user=user).delete()
    key = secrets.token_hex(20)  # 40 characters, as the keys made before hashing were
    token = APIToken.objects.create(
        user=user, key_hash=api_token_hash(key), key_prefix=key[:PREFIX_LENGTH]
    )
    token.key = key
    return token


def api_token_revoke(user) -> bool:
    """Delete the user's token; True when there was one."""
    deleted, _ = APIToken.objects.filter(user=user).delete()
    return bool(deleted)


def api_token_of(user) -> APIToken | None:
    return APIToken.objects.filter(user=user).first()


def api_token_authenticate(key: str) -> APIToken | None:
    """The token whose key this is, with its user, or None."""
    return APIToken.objects.select_related("user").filter(key_hash=api_token_hash(key)).first()


def _summary(token):
    if token is None:
        return {"exists": False, "created": None, "key_prefix": ""}
    return {"exists": True, "created": token.created, "key_prefix": token.key_prefix}


def api_token_page(request):
    key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(request.user):
                messages.success(request, "Your API token is revoked: it no longer works.")
            return redirect("api-token")
        key = api_token_create(request.user).key
    response = render(
        request,
        "registration/api_token.html",
        {"token": _summary(api_token_of(request.user)), "key": key},
        status=201 if key else 200,
    )
    response["Cache-Control"] = "no-store"  # the key must not stay in any cache
    return response


TokenSummary = inline_serializer(
    "APITokenSummary",
    {
        "exists": serializers.BooleanField(),
        "created": serializers.DateTimeField(allow_null=True),
        "key_prefix": serializers.CharField(),
    },
)
TokenCreated = inline_serializer(
    "APITokenCreated",
    {"key": serializers.CharField(), "created": serializers.DateTimeField()},
)


class APITokenView(APIView):
    """Your own API token: GET says whether you have one, POST makes a new one (the key is
    in this answer only; any previous token stops working), DELETE revokes it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenSummary)
    def get(self, request):
        return Response(_summary(api_token_of(request.user)))

    @extend_schema(request=None, responses={201: TokenCreated})
    def post(self, request):
        token = api_token_create(request.user)
        response = Response({"key": token.key, "created": token.created}, status=201)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        request=None, responses={204: OpenApiResponse(description="Revoked (or there was none)")}
    )
    def delete(self, request):
        api_token_revoke(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
