"""Roles and the permission matrix (data in roles.yaml).

Every permission question in the portal goes through ``can`` or ``require``: views hide and
refuse, the API's MatrixPermission refuses, and services refuse again, all from one table.
Superusers and members of the ``admin`` group hold every grant.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

MATRIX_FILE = Path(__file__).with_name("roles.yaml")

ADMIN = "admin"
GOVERNANCE_LEAD = "governance_lead"
SYSTEM_OWNER = "system_owner"
EXECUTIVE = "executive"
AUDITOR = "auditor"


@dataclass(frozen=True)
class Grant:
    action: str
    own_only: bool


@dataclass(frozen=True)
class Matrix:
    roles: dict[str, dict]
    areas: dict[str, str]
    actions: tuple[str, ...]
    grants: dict[tuple[str, str], dict[str, Grant]]  # (role, area) -> action -> grant

    def grant(self, role, area, action):
        return self.grants.get((role, area), {}).get(action)


@cache
def matrix() -> Matrix:
    data = yaml.safe_load(MATRIX_FILE.read_text())
    roles, areas, actions = data["roles"], data["areas"], tuple(data["actions"])
    grants = {}
    for role, by_area in data["matrix"].items():
        if role not in roles:
            raise ImproperlyConfigured(f"roles.yaml: unknown role {role!r} in matrix")
        for area, entries in by_area.items():
            if area not in areas:
                raise ImproperlyConfigured(f"roles.yaml: unknown area {area!r} for {role}")
            cell = {}
            for entry in entries:
                action, _, scope = entry.partition(":")
                if action not in actions or scope not in {"", "own"}:
                    raise ImproperlyConfigured(f"roles.yaml: bad grant {entry!r} for {role}")
                cell[action] = Grant(action, own_only=scope == "own")
            grants[(role, area)] = cell
    return Matrix(roles=roles, areas=areas, actions=actions, grants=grants)


def role_names():
    return list(matrix().roles)


def role_label(role):
    return matrix().roles[role]["label"]


def user_roles(user):
    """The matrix roles a user holds (cached on the user object for the request)."""
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_aims_roles", None)
    if cached is None:
        known = set(matrix().roles)
        cached = frozenset(g.name for g in user.groups.all() if g.name in known)
        if user.is_superuser:
            cached |= {ADMIN}
        user._aims_roles = cached
    return cached


def owns(user, record):
    owner_field = getattr(type(record), "owner_field", None)
    return bool(owner_field) and getattr(record, f"{owner_field}_id", None) == user.pk


def own_only(user, action, area) -> bool:
    """True when ``user`` may do ``action`` in ``area`` only on records they own (every
    grant they hold for it is written ``action:own``)."""
    grants = [g for role in user_roles(user) if (g := matrix().grant(role, area, action))]
    return bool(grants) and all(grant.own_only for grant in grants)


def can(user, action, area, record=None):
    """May ``user`` do ``action`` in ``area`` (on ``record``, when one is given)?

    An own-only grant with no record answers "yes in principle" (e.g. to show a menu
    entry); the record-level check happens when the record is known.
    """
    if action not in matrix().actions:
        raise ValueError(f"unknown action {action!r}")
    if area not in matrix().areas:
        raise ValueError(f"unknown area {area!r}")
    if record is None:
        return held_grant(user_roles(user), action, area)
    for role in user_roles(user):
        grant = matrix().grant(role, area, action)
        if grant and (not grant.own_only or owns(user, record)):
            return True
    return False


def held_grant(held: frozenset[str], action: str, area: str) -> bool:
    """Whether any of the roles ``held`` grants ``action`` in ``area``, own-only grants
    included (what ``can`` answers when no record is given)."""
    return any(matrix().grant(role, area, action) for role in held)


def require(user, action, area, record=None):
    if not can(user, action, area, record):
        what = f"{action} {matrix().areas[area].lower()} records"
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def can_list(user, area):
    """Actions the user may take in an area, for templates (``perms.inventory.create``)."""
    return {action for action in matrix().actions if can(user, action, area)}


def users_with_role(role):
    """Active users holding ``role`` (superusers count as administrators)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    holds = Q(groups__name=role)
    if role == ADMIN:
        holds |= Q(is_superuser=True)
    return get_user_model().objects.filter(holds, is_active=True).distinct()
