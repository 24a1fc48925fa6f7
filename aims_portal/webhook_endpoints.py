"""Webhook endpoints, kept by administrators in the portal.

Rules enforced here: only roles with the matching action in the "administration" area
(administrators) create, change, delete an endpoint or replace its secret; every change is
kept in the endpoint's history (the secret is not); an endpoint subscribes to at least one
known event type and points at an http(s) URL; an update must be based on the current
version (optimistic locking).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import roles
from .event_types import EVENT_TYPES
from .models import WebhookEndpoint, new_webhook_secret
from .services import StaleVersionError, tracked_delete, tracked_save


def _clean(data: dict) -> dict:
    events = list(dict.fromkeys(data.get("events") or ()))
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise ValidationError({"events": f"Unknown event type: {', '.join(unknown)}."})
    if not events:
        raise ValidationError({"events": "Choose at least one event to send."})
    url = (data.get("url") or "").strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": "Give an http:// or https:// URL."})
    return {
        "name": (data.get("name") or "").strip(),
        "url": url,
        "events": events,
        "active": bool(data.get("active", True)),
    }


def _save(endpoint, actor, reason):
    return tracked_save(endpoint, actor, reason)


@transaction.atomic
def endpoint_create(*, actor, data: dict) -> WebhookEndpoint:
    roles.require(actor, "create", "administration")
    return _save(WebhookEndpoint(**_clean(data)), actor, "Created")


@transaction.atomic
def endpoint_update(endpoint, *, actor, data: dict, expected_version, reason="") -> WebhookEndpoint:
    roles.require(actor, "change", "administration")
    current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleVersionError(current)
    for name, value in _clean(data).items():
        setattr(current, name, value)
    current.version += 1
    return _save(current, actor, (reason or "").strip() or "Changed")


@transaction.atomic
def endpoint_delete(endpoint, *, actor) -> None:
    roles.require(actor, "delete", "administration")
    tracked_delete(endpoint, actor, "Deleted")


@transaction.atomic
def endpoint_rotate_secret(endpoint, *, actor) -> WebhookEndpoint:
    """A new secret; receivers must be given it (the old one stops working at once)."""
    roles.require(actor, "change", "administration")
    current = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    current.secret = new_webhook_secret()
    current.version += 1
    return _save(current, actor, "Secret replaced")
