from django.urls import reverse
from django.utils.text import capfirst

from . import notifications, roles
from .records import registered_types

NAV_AREAS = ("inventory", "assessments", "risks", "controls", "audits")


def navigation(user):
    """Navigation by area: only areas that have record types and that the user may view."""
    by_area = {}
    for rt in registered_types():
        if rt.area in NAV_AREAS and roles.can(user, "view", rt.area):
            by_area.setdefault(rt.area, []).append(
                {
                    "label": rt.nav_label or capfirst(rt.verbose_name_plural),
                    "url": reverse(rt.route("list")),
                    "icon": rt.icon,
                }
            )
    return [
        {"area": area, "label": roles.matrix().areas[area], "items": by_area[area]}
        for area in NAV_AREAS
        if area in by_area
    ]


def portal(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "nav": navigation(user),
        "user_role_labels": [roles.role_label(r) for r in sorted(roles.user_roles(user))],
        "is_portal_admin": roles.can(user, "view", "administration"),
        "unread_notifications": notifications.unread_count(user),
    }
