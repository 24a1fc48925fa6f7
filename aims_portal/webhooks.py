"""Webhooks: signed JSON POSTed to the URLs administrators subscribe to event types.

Endpoints are kept by aims_portal.webhook_endpoints. Rules enforced here:
- an event is queued once per endpoint: ``event_key`` is unique per endpoint in the
  database, however often the event is raised;
- a delivery is sent by a Celery task after the transaction that raised it commits; a
  delivery already delivered or given up is never sent again, and the row is locked while
  it is sent, so two workers never send it at once;
- every request carries ``X-AIMS-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>"
  with the endpoint's secret>``, ``X-AIMS-Timestamp``, ``X-AIMS-Event`` and
  ``X-AIMS-Delivery`` (the delivery id, also in the body): a receiver checks the signature
  and drops a delivery id it has already processed;
- a failed attempt (no answer, or a status other than 2xx) is tried again after
  AIMS_WEBHOOK_RETRY_BASE seconds, doubling each time, up to AIMS_WEBHOOK_MAX_ATTEMPTS
  attempts; then the delivery is marked failed. Every attempt is in the delivery log.
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import requests
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .event_types import EVENT_TYPES
from .models import WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-AIMS-Signature"
LOST_AFTER = timedelta(minutes=2)  # a queued delivery not tried by then was lost


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def queue(event: str, key: str, details: dict) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint subscribed to it, once per ``key``."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    if not endpoints:
        return []
    payload = {
        "event": event,
        "event_label": EVENT_TYPES.get(event, event),
        "occurred_at": timezone.now().isoformat(),
        **details,
    }
    if payload.get("url"):
        payload["url"] = f"{settings.PORTAL_BASE_URL}{payload['url']}"
    queued = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery, created = WebhookDelivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_key=key[:200],
                    defaults={"event": event, "payload": payload},
                )
        except IntegrityError:  # queued by an overlapping run
            continue
        if created:
            queued.append(delivery)
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))
    return queued


def _enqueue(delivery_pk):
    try:
        deliver_webhook.delay(delivery_pk)
    except Exception:  # broker down: the beat sweep queues it again (retry_due)
        log.warning("webhook delivery %s could not be queued", delivery_pk, exc_info=True)


def body_of(delivery) -> bytes:
    """The exact bytes sent: the payload with the delivery id, keys sorted."""
    document = {**delivery.payload, "delivery_id": str(delivery.delivery_id)}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def attempt(delivery_pk: int) -> float | None:
    """Send one delivery once; the seconds to wait before the next try, or None when there
    is nothing more to do (delivered, given up, or already done by someone else)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_pk)
            .first()
        )
        if delivery is None or delivery.status in (
            WebhookDelivery.Status.DELIVERED,
            WebhookDelivery.Status.FAILED,
        ):
            return None
        body = body_of(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "AIMS-portal-webhooks/1",
            "X-AIMS-Event": delivery.event,
            "X-AIMS-Delivery": str(delivery.delivery_id),
            "X-AIMS-Timestamp": timestamp,
            SIGNATURE_HEADER: signature(delivery.endpoint.secret, timestamp, body),
        }
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        try:
            response = requests.post(
                delivery.endpoint.url,
                data=body,
                headers=headers,
                timeout=settings.AIMS_WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            delivery.last_status_code = None
            delivery.last_error = f"{type(error).__name__}: {error}"[:500]
            ok = False
        else:
            delivery.last_status_code = response.status_code
            ok = 200 <= response.status_code < 300
            delivery.last_error = "" if ok else f"The receiver answered {response.status_code}."
        delay = None
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.AIMS_WEBHOOK_MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delay = settings.AIMS_WEBHOOK_RETRY_BASE * 2 ** (delivery.attempts - 1)
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        delivery.save()
    return delay


@shared_task(bind=True, name="aims_portal.deliver_webhook", max_retries=None)
def deliver_webhook(self, delivery_pk):
    """Send one delivery; on failure the task retries itself with exponential back-off."""
    delay = attempt(delivery_pk)
    if delay is not None and not self.request.is_eager:
        raise self.retry(countdown=delay)
    return delay


def retry_due() -> int:
    """Queue again the deliveries whose task was lost: pending or retrying, and past their
    time by more than LOST_AFTER. Returns how many."""
    late = timezone.now() - LOST_AFTER
    due = list(
        WebhookDelivery.objects.filter(
            status__in=(WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING)
        )
        .exclude(status=WebhookDelivery.Status.PENDING, created_at__gt=late)
        .exclude(status=WebhookDelivery.Status.RETRYING, next_attempt_at__gt=late)
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)


@shared_task(name="aims_portal.webhooks_retry_due")
def webhooks_retry_due():
    return retry_due()
