"""User and role management, group mappings, scopes and single sign-on accounts.

Rules enforced here (the user management pages, the API and sign-on all call them):
- only someone allowed to change the administration area (roles.yaml) manages users,
  mappings and scopes;
- every change to a user is saved as a version of the user with who and why, so it is in
  the history and the ledger; roles given or taken are named in that version's reason;
- deactivating a user keeps the account and its history, ends every session at once and
  deletes the API token; nobody deactivates themselves (the last administrator cannot
  lock everyone out that way);
- an access window ends after it starts;
- a user invited by e-mail has no usable password until they set one through the link;
- at single sign-on, the roles mapped from the provider's groups replace the roles the user
  held: a group removed at the provider removes its role at the next login.
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aims_portal import roles
from aims_portal.models import APIToken, User
from aims_portal.services import record_create, record_retire, record_update, tracked_save
from registry.models import AISystem, Team

from .models import AccessScope, ExternalIdentity, GroupRoleMapping, grantable_roles


def _require_admin(actor: User) -> None:
    roles.require(actor, "change", "administration")


def _reason(reason: str, default: str = "") -> str:
    reason = (reason or default).strip()
    if not reason:
        raise ValidationError({"change_reason": "Say why you are making this change."})
    return reason


def role_choices() -> list[tuple[str, str]]:
    return grantable_roles()


def held_roles(user: User) -> set[str]:
    """The roles and responsibilities ``user`` holds (from prefetched groups when there)."""
    known = dict(grantable_roles())
    return {group.name for group in user.groups.all() if group.name in known}


def _set_roles(user: User, wanted: set[str]) -> tuple[set[str], set[str]]:
    known = dict(grantable_roles())
    unknown = wanted - set(known)
    if unknown:
        raise ValidationError({"roles": f"Unknown role: {', '.join(sorted(unknown))}."})
    current = held_roles(user)
    added, removed = wanted - current, current - wanted
    for name in added:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    user.__dict__.pop("_aims_roles", None)
    return added, removed


def _roles_text(added: set[str], removed: set[str]) -> str:
    labels = dict(grantable_roles())
    parts = []
    if added:
        parts.append("given " + ", ".join(labels[r] for r in sorted(added)))
    if removed:
        parts.append("taken away " + ", ".join(labels[r] for r in sorted(removed)))
    return "; ".join(parts)


@transaction.atomic
def user_roles_set(user: User, *, actor: User, roles_wanted: Iterable[str], reason: str) -> User:
    """Give ``user`` exactly ``roles_wanted`` (matrix roles and responsibilities)."""
    _require_admin(actor)
    reason = _reason(reason)
    added, removed = _set_roles(user, set(roles_wanted))
    if user.pk == actor.pk and roles.ADMIN in removed:
        raise ValidationError({"roles": "You cannot take the administrator role from yourself."})
    if added or removed:
        tracked_save(user, actor, f"Roles {_roles_text(added, removed)}: {reason}")
    return user


@transaction.atomic
def user_invite(
    *,
    actor: User,
    email: str,
    first_name: str = "",
    last_name: str = "",
    roles_wanted: Iterable[str] = (),
) -> User:
    """Create an account for ``email`` and send it a link to choose a password."""
    _require_admin(actor)
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "Give the e-mail address of the person to invite."})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this e-mail address already has an account."})
    username = _free_username(email.split("@")[0])
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    tracked_save(user, actor, "Invited by e-mail")
    added, _removed = _set_roles(user, set(roles_wanted))
    if added:
        tracked_save(user, actor, f"Roles {_roles_text(added, set())} with the invitation")
    link = set_password_url(user)
    transaction.on_commit(lambda: _send_invitation(user, actor, link))
    return user


def set_password_url(user: User) -> str:
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("identity:set-password", args=[uid, token])
    return f"{settings.PORTAL_BASE_URL}{path}"


def _send_invitation(user: User, actor: User, link: str) -> None:
    body = render_to_string(
        "identity/invitation_email.txt", {"user": user, "actor": actor, "link": link}
    )
    send_mail("Your account on the AIMS portal", body, None, [user.email])


def _free_username(stem: str) -> str:
    stem = "".join(c for c in stem if c.isalnum() or c in "._-")[:140] or "user"
    taken = set(User.objects.filter(username__startswith=stem).values_list("username", flat=True))
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def end_sessions(user: User) -> int:
    """Delete every live session of ``user``; returns how many were ended."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(user: User, *, actor: User, reason: str) -> User:
    """Close the account now: no login, no session, no API token; history is kept."""
    _require_admin(actor)
    reason = _reason(reason)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if not user.is_active:
        raise ValidationError(f"{user} is already deactivated.")
    user.is_active = False
    tracked_save(user, actor, f"Deactivated: {reason}")
    APIToken.objects.filter(user=user).delete()
    end_sessions(user)
    return user


@transaction.atomic
def user_reactivate(user: User, *, actor: User, reason: str) -> User:
    _require_admin(actor)
    reason = _reason(reason)
    if user.is_active:
        raise ValidationError(f"{user} is already active.")
    user.is_active = True
    return tracked_save(user, actor, f"Reactivated: {reason}")


@transaction.atomic
def user_access_window_set(
    user: User,
    *,
    actor: User,
    access_from: datetime | None,
    access_until: datetime | None,
    reason: str,
) -> User:
    """Bound when ``user`` may log in (external auditors); None leaves that side open."""
    _require_admin(actor)
    reason = _reason(reason)
    if access_from and access_until and access_until <= access_from:
        raise ValidationError({"access_until": "The access window must end after it starts."})
    user.access_from, user.access_until = access_from, access_until
    return tracked_save(user, actor, f"Access window changed: {reason}")


@transaction.atomic
def access_scope_set(
    user: User,
    *,
    actor: User,
    teams: Iterable[Team],
    systems: Iterable[AISystem],
    note: str = "",
    reason: str,
) -> AccessScope | None:
    """Limit ``user`` to the systems of ``teams`` and to ``systems``; both empty lifts the
    limit (the scope record stays, empty, with its history)."""
    _require_admin(actor)
    reason = _reason(reason)
    data = {"teams": list(teams), "systems": list(systems), "note": note}
    if roles.ADMIN in roles.user_roles(user) and (data["teams"] or data["systems"]):
        raise ValidationError("Administrators see everything: their access cannot be scoped.")
    scope = AccessScope.objects.filter(user=user).first()
    if scope is None:
        if not data["teams"] and not data["systems"]:
            return None
        return record_create(AccessScope, actor=actor, data={"user": user, **data}, reason=reason)
    return record_update(
        scope, actor=actor, data=data, expected_version=scope.version, reason=reason
    )


# --- single sign-on ------------------------------------------------------------------------

EVERYONE = "*"


def claim_groups(claims: dict) -> set[str]:
    """The groups the provider sent (a list, or one string), as text."""
    from django.conf import settings

    value = claims.get(settings.AIMS_OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    return {str(group) for group in value if group not in (None, "")}


def mapped_roles(groups: set[str]) -> set[str]:
    """The roles the active mappings give for ``groups``; a mapping of the group ``*``
    gives its role to everyone who signs in with the provider."""
    return set(
        GroupRoleMapping.objects.filter(
            retired_at__isnull=True, group__in=[*groups, EVERYONE]
        ).values_list("role", flat=True)
    )


@transaction.atomic
def sso_sign_in(claims: dict, *, issuer: str) -> User:
    """The portal user for a provider login: found by (issuer, subject), else linked by a
    verified e-mail, else created. Their name and e-mail follow the provider; their roles
    become exactly those the groups map to."""
    subject = str(claims.get("sub") or "")
    if not issuer or not subject:
        raise ValidationError("The provider did not say who signed in (no issuer or subject).")
    email = (claims.get("email") or "").strip().lower()
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
    else:
        user = None
        if email and claims.get("email_verified") is True:
            user = User.objects.filter(email__iexact=email).first()
        if user is None:
            stem = claims.get("preferred_username") or email.split("@")[0] or subject
            user = User(username=_free_username(str(stem)), email=email)
            user.set_unusable_password()
            tracked_save(user, None, f"Created at first single sign-on ({issuer})")
        identity = ExternalIdentity(user=user, issuer=issuer, subject=subject)
        tracked_save(identity, user, "Linked at single sign-on")
    profile = {
        "email": email or user.email,
        "first_name": (claims.get("given_name") or user.first_name)[:150],
        "last_name": (claims.get("family_name") or user.last_name)[:150],
    }
    if any(getattr(user, field) != value for field, value in profile.items()):
        for field, value in profile.items():
            setattr(user, field, value)
        tracked_save(user, user, "Name or e-mail updated from the identity provider")
    if user.is_active:
        added, removed = _set_roles(user, mapped_roles(claim_groups(claims)))
        if added or removed:
            tracked_save(
                user,
                user,
                f"Roles {_roles_text(added, removed)}: from the groups the identity provider "
                "sent at sign-on",
            )
    return user


# --- group mappings (record type services) ----------------------------------------------


def group_mapping_create(*, actor: User, data: dict) -> GroupRoleMapping:
    return record_create(GroupRoleMapping, actor=actor, data=data)


def group_mapping_update(
    mapping: GroupRoleMapping,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> GroupRoleMapping:
    if mapping.retired_at is not None:
        raise ValidationError(f"{mapping} is retired and can no longer be edited.")
    return record_update(
        mapping, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def group_mapping_retire(
    mapping: GroupRoleMapping, *, actor: User, reason: str
) -> GroupRoleMapping:
    return record_retire(mapping, actor=actor, reason=reason)
