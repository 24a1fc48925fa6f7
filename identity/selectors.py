"""Reads for the user management pages: one query set per page, whatever the user count."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from aims_portal.models import User

from .models import AccessScope, ExternalIdentity


def users(*, q: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    """Users with what the management list shows: roles, scope, sign-on, two-factor."""
    rows = User.objects.annotate(
        has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        has_sso=Exists(ExternalIdentity.objects.filter(user=OuterRef("pk"))),
    ).prefetch_related(
        "groups",
        Prefetch("access_scope", queryset=AccessScope.objects.prefetch_related("teams", "systems")),
    )
    if q:
        rows = rows.filter(
            Q(username__icontains=q)
            | Q(email__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
        )
    if role:
        rows = rows.filter(groups__name=role).distinct()
    if status == "inactive":
        rows = rows.filter(is_active=False)
    elif status != "all":
        rows = rows.filter(is_active=True)
    return rows.order_by("username")


def scope_record(user: User) -> AccessScope | None:
    """The user's scope record, empty or not (prefetched by ``users``, else one query)."""
    try:
        return user.access_scope
    except AccessScope.DoesNotExist:
        return None


def scope_of(user: User) -> AccessScope | None:
    """The user's scope when it limits anything."""
    scope = scope_record(user)
    if scope is None or (not scope.teams.all() and not scope.systems.all()):
        return None
    return scope
