"""Who may be logged in right now, and the log of what auditors read.

Rules enforced here:
- a user with an access window (``access_from`` / ``access_until``) cannot log in, use an
  API token, or keep a session outside it;
- every page view and download by a user holding the auditor role is written to the
  append-only AccessLog.
"""

from django.utils import formats, timezone

from . import roles
from .models import AccessLog

NOT_LOGGED = ("/static/", "/health/")


def window_refusal(user, now=None):
    """Why ``user`` may not be logged in at ``now``, or None when they may."""
    now = now or timezone.now()
    if user.access_from and now < user.access_from:
        return f"Your access to the portal starts on {_when(user.access_from)}."
    if user.access_until and now >= user.access_until:
        return f"Your access to the portal ended on {_when(user.access_until)}."
    return None


def _when(moment):
    return formats.localize(timezone.localtime(moment))


def is_logged(user):
    return roles.AUDITOR in roles.user_roles(user)


def record_access(request, response):
    disposition = response.headers.get("Content-Disposition", "")
    AccessLog.objects.create(
        user=request.user,
        method=request.method[:10],
        path=request.path[:2000],
        query=request.META.get("QUERY_STRING", "")[:2000],
        status=response.status_code,
        is_download=disposition.startswith("attachment"),
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", "")[:300],
    )
