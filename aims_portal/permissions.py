"""DRF permission backed by the roles matrix (kept apart from api.py: DRF imports it while
loading its own views module)."""

from rest_framework import filters, permissions

from . import roles, scopes

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "create",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class MatrixPermission(permissions.BasePermission):
    """Allow a request when the roles matrix grants its action in the view's area.

    A view states its area with ``area`` (or through its queryset's model) and may map an
    extra action to a matrix action with ``matrix_actions = {"retire": "delete"}``.
    """

    def _action(self, request, view):
        custom = getattr(view, "matrix_actions", {}).get(getattr(view, "action", None))
        return custom or METHOD_ACTIONS.get(request.method, "change")

    def _area(self, view):
        area = getattr(view, "area", None)
        if area is None and getattr(view, "queryset", None) is not None:
            area = view.queryset.model.area
        return area

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        area = self._area(view)
        return area is not None and roles.can(request.user, self._action(request, view), area)

    def has_object_permission(self, request, view, obj):
        return roles.can(request.user, self._action(request, view), self._area(view), obj)


class ScopeFilterBackend(filters.BaseFilterBackend):
    """Narrows every list and object lookup of an API view to what the user may see
    (aims_portal.scopes.restrict): their scope and their own-only grants. Views over rows
    that belong to no matrix area are left alone."""

    def filter_queryset(self, request, queryset, view):
        if getattr(queryset.model, "area", None) is None or not request.user.is_authenticated:
            return queryset
        return scopes.restrict(queryset, request.user, "view")
