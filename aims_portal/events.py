"""Events raised where a record's state changes, told to the people concerned.

``emit`` is the one way out: an in-app notification (and an e-mail, or the daily digest)
for each recipient, and a signed webhook delivery for each endpoint subscribed to the
event type. The services call the hooks below:
- ``transition_taken`` (aims_portal.workflow): a step that puts a record where an approver
  must act raises "approval requested" for those who may approve it and took no part in it;
  an approver's step raises "approved" or "returned" for the record's submitter and owner;
- ``record_saved`` (aims_portal.services, every create and update): a record handed to an
  owner other than the actor raises "assigned"; a record created waiting for approval
  raises "approval requested"; apps add events raised on creation (``on_create``, e.g. a
  finding raised);
- comments raise "mentioned" (aims_portal.comments); reminders raise "due".

Rules enforced here: the actor is never told of their own act; inactive users are not told;
each event has a key naming the record and its version, so it is told once per user and
sent once per endpoint however often the code path runs.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from . import notifications, roles, webhooks
from .event_types import APPROVAL_REQUESTED, APPROVED, ASSIGNED, RETURNED
from .notifications import Reminder
from .record_registry import record_type_for


@dataclass(frozen=True)
class CreationEvent:
    event: str
    title: Callable  # record -> str
    recipients: Callable  # record -> iterable of users


_ON_CREATE: dict[type, list[CreationEvent]] = {}


def on_create(model, event: str, *, title, recipients):
    """Raise ``event`` whenever a ``model`` record is created (an app calls this once)."""
    _ON_CREATE.setdefault(model, []).append(CreationEvent(event, title, recipients))


def _record_details(record, actor) -> dict:
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
    return {
        "record": {
            "type": record._meta.label_lower,
            "type_label": str(record._meta.verbose_name),
            "id": record.pk,
            "label": str(record),
            "version": getattr(record, "version", None),
        },
        "actor": {"username": actor.username, "name": str(actor)} if actor else None,
        "url": url,
    }


def emit(
    event: str,
    *,
    key: str,
    title: str,
    recipients: Iterable,
    record=None,
    actor=None,
    body: str = "",
    url: str = "",
) -> int:
    """Tell each recipient (not the actor) and queue the webhooks; returns how many users
    were newly notified."""
    details = _record_details(record, actor) if record is not None else {"url": url}
    url = url or details.get("url", "")
    details.update(title=title, body=body)
    told, seen, told_names = 0, set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if actor is not None and user.pk == actor.pk:
            continue
        told_names.append(user.username)
        reminder = Reminder(user, key, title, body, url)
        told += notifications.deliver(reminder, event=event, after_commit=True)
    details["recipients"] = sorted(told_names)
    webhooks.queue(event, key, details)
    return told


def _users(ids):
    ids = {i for i in ids if i is not None}
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True)) if ids else []


def may(action: str, area: str):
    """Active users whose role grants ``action`` in ``area`` (superusers included)."""
    names = [r for r in roles.matrix().roles if roles.matrix().grant(r, area, action)]
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=names) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


def _label(record):
    return f"{record._meta.verbose_name} {record}"


def _request_approval(workflow, record, actor):
    parties = set(workflow.parties(record))
    approvers = [u for u in may("approve", type(record).area) if u.pk not in parties]
    emit(
        APPROVAL_REQUESTED,
        key=f"{APPROVAL_REQUESTED}:{record._meta.label_lower}:{record.pk}:v{record.version}",
        title=f"Approval requested: {_label(record)}",
        body=f"{actor} asks for your approval of {_label(record)}.",
        recipients=approvers,
        record=record,
        actor=actor,
    )


def _people_of(workflow, record) -> list:
    fields = [workflow.submitter_field, *workflow.party_fields, type(record).owner_field]
    return _users(getattr(record, f"{name}_id", None) for name in fields if name)


def transition_taken(workflow, transition, before: str, record, actor, reason: str) -> None:
    """Called by Workflow.run after a step is saved (in its transaction)."""
    waiting = workflow.waiting_statuses()
    after = workflow.status(record)
    if after in waiting and before not in waiting:
        _request_approval(workflow, record, actor)
    elif transition.action == "approve" and before in waiting:
        event = RETURNED if transition.reason_required else APPROVED
        word = "returned" if event == RETURNED else "approved"
        emit(
            event,
            key=f"{event}:{record._meta.label_lower}:{record.pk}:v{record.version}",
            title=f"{transition.label}: {_label(record)}",
            body=f"{actor} {word} {_label(record)}" + (f": {reason}" if reason else "."),
            recipients=_people_of(workflow, record),
            record=record,
            actor=actor,
        )


def record_saved(record, actor, *, created: bool, owner_before=None) -> None:
    """Called by the generic services after a create or an update (in its transaction)."""
    model = type(record)
    owner_field = model.owner_field
    owner_id = getattr(record, f"{owner_field}_id", None) if owner_field else None
    if owner_id is not None and owner_id != owner_before and owner_id != actor.pk:
        emit(
            ASSIGNED,
            key=f"{ASSIGNED}:{record._meta.label_lower}:{record.pk}:{owner_id}:v{record.version}",
            title=f"Assigned to you: {_label(record)}",
            body=f"{actor} made you the owner of {_label(record)}.",
            recipients=_users([owner_id]),
            record=record,
            actor=actor,
        )
    if not created:
        return
    rt = record_type_for(model)
    workflow = rt.workflow if rt else None
    if workflow is not None and workflow.status(record) in workflow.waiting_statuses():
        _request_approval(workflow, record, actor)
    for hook in _ON_CREATE.get(model, ()):
        emit(
            hook.event,
            key=f"{hook.event}:{record._meta.label_lower}:{record.pk}",
            title=hook.title(record),
            body=f"{actor} created {_label(record)}.",
            recipients=hook.recipients(record),
            record=record,
            actor=actor,
        )
