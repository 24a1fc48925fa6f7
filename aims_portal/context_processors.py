from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from . import mywork, notifications, roles
from .records import registered_types

OVERVIEW = "overview"
NAV_SECTIONS = (
    OVERVIEW,
    "inventory",
    "assessments",
    "risks",
    "controls",
    "governance",
    "audits",
    "ledger",
    "administration",
)

_LINKS = []


@dataclass(frozen=True)
class NavLink:
    section: str
    label: str
    url_name: str
    icon: str
    area: str  # shown to users who may view this area
    order: int


def nav_link(section, label, url_name, *, icon, area=None, order=100):
    """Add a page that is not a record list (a dashboard, the integrity page, …) to the
    navigation, under ``section`` (one of NAV_SECTIONS), for users who may view ``area``
    (by default the section's own area)."""
    _LINKS.append(NavLink(section, label, url_name, icon, area or section, order))
    _LINKS.sort(key=lambda link: link.order)


nav_link(OVERVIEW, "Dashboard", "home", icon="speedometer2", area="dashboard", order=10)
nav_link(
    OVERVIEW, "Certification readiness", "readiness", icon="patch-check", area="dashboard", order=20
)


@lru_cache(maxsize=512)
def _reversed(url_name, urlconf, prefix):
    return reverse(url_name, urlconf=urlconf)


def _url(url_name):
    """The navigation's URLs, reversed once per URL configuration and script prefix (the
    menu has some forty links, and reversing each on every page cost about 2 ms)."""
    return _reversed(url_name, get_urlconf(), get_script_prefix())


def _is_current(url, path):
    return path == url if url == "/" else path.startswith(url)


def navigation(user, path=""):
    """Navigation by section: the extra links, then each area's record types; only what the
    user may view, and the current page marked."""
    menu = _menu_for(user)
    current = _current(menu, path)
    return [
        {
            "area": area,
            "label": label,
            "items": [
                {"label": text, "url": url, "icon": icon, "active": url == current}
                for text, url, icon in items
            ],
        }
        for area, label, items in menu
    ]


def navigation_html(user, path=""):
    """The navigation's markup for ``user`` on the page at ``path``. It depends only on
    the user's roles and the current link, so it is written once per pair and kept."""
    menu = _menu_for(user)
    return _menu_html(menu, _current(menu, path))


def _menu_for(user):
    return _menu(roles.user_roles(user), get_urlconf(), get_script_prefix())


@lru_cache(maxsize=64)
def _menu(held, urlconf, prefix):
    """(area, label, ((label, url, icon), …)) per section, for the roles ``held``. The
    URL configuration and script prefix are part of the key: each changes the links. (The
    role matrix is read once per process.)"""
    by_section = {}
    for link in _LINKS:
        if roles.held_grant(held, "view", link.area):
            by_section.setdefault(link.section, []).append(
                (link.label, _url(link.url_name), link.icon)
            )
    for rt in registered_types():
        if rt.area in NAV_SECTIONS and roles.held_grant(held, "view", rt.area):
            by_section.setdefault(rt.area, []).append(
                (rt.list_label, _url(rt.route("list")), rt.icon)
            )
    return tuple(
        (
            section,
            "Overview" if section == OVERVIEW else roles.matrix().areas[section],
            tuple(by_section[section]),
        )
        for section in NAV_SECTIONS
        if section in by_section
    )


def _current(menu, path):
    """The longest link that ``path`` is under, so /controls/soa/ does not also light up
    /controls/."""
    return max(
        (url for _, _, items in menu for _, url, _ in items if _is_current(url, path)),
        key=len,
        default=None,
    )


@lru_cache(maxsize=2048)
def _menu_html(menu, current):
    parts = []
    for _, label, items in menu:
        parts.append(format_html('<h2 class="portal-nav-heading">{}</h2>', label))
        parts.append('<ul class="nav flex-column">')
        for text, url, icon in items:
            if url == current:
                link = '<a class="nav-link active" href="{}" aria-current="page">'
            else:
                link = '<a class="nav-link" href="{}">'
            parts.append(
                format_html(
                    '<li class="nav-item">' + link + '<i class="bi bi-{}" aria-hidden="true"></i> '
                    "{}</a></li>",
                    url,
                    icon,
                    text,
                )
            )
        parts.append("</ul>")
    return mark_safe("".join(parts))


def portal(request):
    """The shell's context: navigation and roles (the badges' counts come after the page,
    from ``header_badges``). Computed once per request: a template rendered inside the page
    with the request (django-tables2 renders each table so) runs the context processors
    again, and would build the navigation twice."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    cached = getattr(request, "_portal_context", None)
    if cached is None or cached[0] is not user:
        cached = (user, _portal(request, user))
        request._portal_context = cached
    return cached[1]


def _portal(request, user):
    return {
        "navigation_html": navigation_html(user, request.path),
        "user_role_labels": [roles.role_label(r) for r in sorted(roles.user_roles(user))],
        "is_portal_admin": roles.can(user, "view", "administration"),
    }


def header_counts(user):
    """The header badges' counts, with the flag that tells the shell they are given (else it
    fetches them once the page has loaded)."""
    return {
        "header_counted": True,
        "unread_notifications": notifications.unread_count(user),
        "my_work_count": mywork.count_for(user),
    }
