"""What a user may see of a queryset: ``restrict(queryset, user, action)``.

Rules enforced here, for every list, detail lookup, API endpoint, export and bundle that
calls it:
- no grant for ``action`` in the model's matrix area (roles.yaml): nothing;
- an own-only grant (``change:own``): only the records the user owns;
- a user limited to a scope (some AI systems, or the systems of some owning teams) sees
  only the records that reach one of those systems. A record type states how it reaches
  an AI system with ``scope_path`` (a lookup ending at an AI system, or a tuple of them
  when any one will do; ``"pk"`` for the AI system itself); without one its
  ``system_link`` is used; ``scope_path = None`` marks organisation-wide records
  (catalogue, policies, the SoA) that every reader sees. Administrators are never limited.

The core does not know which app holds AI systems or scopes: that app registers a
``scope_source`` (user -> queryset of AI system ids, or None when the user is not limited)
from its AppConfig.ready.
"""

from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet

from . import roles

ORGANISATION_WIDE = None
_scope_source: Callable | None = None


def register_scope_source(source: Callable) -> None:
    """Set the function that answers ``user -> AI system id queryset | None``."""
    global _scope_source
    _scope_source = source


def scoped_systems(user) -> QuerySet | None:
    """The ids of the AI systems ``user`` is limited to (a queryset, not evaluated), or None
    when they are not limited. Cached on the user object for the request."""
    if not user or not user.is_authenticated or roles.ADMIN in roles.user_roles(user):
        return None
    if not hasattr(user, "_aims_scope"):
        user._aims_scope = _scope_source(user) if _scope_source else None
    return user._aims_scope


def is_scoped(user) -> bool:
    return scoped_systems(user) is not None


def scope_path(model: type[Model]) -> str | tuple[str, ...] | None:
    """The lookup from ``model`` to the AI system a record belongs to, or None for
    organisation-wide records."""
    if "scope_path" in _declared(model):
        return model.scope_path
    return getattr(model, "system_link", None)


def _declared(model):
    names = set()
    for klass in model.__mro__:
        names.update(vars(klass))
    return names


def owner_lookup(model: type[Model]) -> str | None:
    """The lookup to the user who owns a record (the owner field, or the owner of the AI
    system for records whose owner is their system's)."""
    owner_field = getattr(model, "owner_field", None)
    if not owner_field:
        return None
    try:
        model._meta.get_field(owner_field)
        return owner_field
    except FieldDoesNotExist:
        link = getattr(model, "system_link", None)
        return f"{link}__owner" if link else None


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """``queryset`` narrowed to what ``user`` may ``action`` (see the module docstring).

    The narrowing is a subquery, so the caller's query count does not change with it."""
    model = queryset.model
    area = getattr(model, "area", None)
    if area is None:
        raise ValueError(f"{model._meta.label} has no matrix area: restrict() cannot judge it.")
    if not roles.can(user, action, area):
        return queryset.none()
    if roles.own_only(user, action, area):
        lookup = owner_lookup(model)
        if lookup is None:
            return queryset.none()
        queryset = queryset.filter(**{lookup: user})
    return within_scope(queryset, user)


def within_scope(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` narrowed to the user's scope only (no role check): for figures that
    count records of several areas, such as the dashboard's."""
    model = queryset.model
    systems = scoped_systems(user)
    path = scope_path(model)
    if systems is None or path is ORGANISATION_WIDE:
        return queryset
    if path == "pk":
        return queryset.filter(pk__in=systems)
    reaches = Q()
    for lookup in (path,) if isinstance(path, str) else path:
        reaches |= Q(**{f"{lookup}__in": systems})
    return queryset.filter(pk__in=model._base_manager.filter(reaches).values("pk"))


def visible(user, record, action: str = "view") -> bool:
    """Whether one record is within what ``user`` may ``action`` (one query)."""
    model = type(record)
    return restrict(model._base_manager.filter(pk=record.pk), user, action).exists()


def require_whole_organisation(user, what: str) -> None:
    """Refuse a user limited to a scope something that shows every record of the portal
    (the ledger's entries, an evidence bundle): it cannot be cut to their scope and still
    verify."""
    if is_scoped(user):
        raise PermissionDenied(
            f"Your access is limited to some AI systems: {what} covers every record of the "
            "portal. Ask an administrator to prepare it for your engagement."
        )
