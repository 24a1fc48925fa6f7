"""Comments with @mentions on any record.

Rules enforced here:
- whoever may view a record may read and write comments on it (its area's "view" grant:
  auditors included, since remarks are not changes to the record); nobody else;
- a comment is 1 to 5,000 characters; it is kept in history (and so in the ledger) with
  its author, and is never edited or deleted;
- ``@username`` mentions an active user who may view the record; a mention of anyone else
  stays plain text; each mentioned user is notified once ("mentioned").
"""

import re

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import events, roles
from .comment_selectors import comments_on  # noqa: F401 - read with the writes
from .event_types import MENTIONED
from .models import Comment
from .services import tracked_save

MENTION = re.compile(r"(?<![\w.@])@([\w.+-]{1,150})")
MAX_LENGTH = 5000


def mentioned_users(body: str, area: str) -> list:
    names = {name.rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    users = get_user_model().objects.filter(username__in=names, is_active=True)
    return [user for user in users if roles.can(user, "view", area)]


@transaction.atomic
def comment_create(record, *, actor, body: str) -> Comment:
    area = type(record).area
    if not roles.can(actor, "view", area):
        raise PermissionDenied("You may not comment on records you cannot view.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a comment first."})
    if len(body) > MAX_LENGTH:
        raise ValidationError({"body": f"A comment has at most {MAX_LENGTH:,} characters."})
    if "\x00" in body:
        raise ValidationError({"body": "The comment holds a character that cannot be stored."})
    mentioned = mentioned_users(body, area)
    comment = Comment(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        record_area=area,
        author=actor,
        body=body,
    )
    tracked_save(comment, actor, "Commented", links={"mentions": [u.pk for u in mentioned]})
    label = f"{record._meta.verbose_name} {record}"
    url = f"{record.get_absolute_url()}#comment-{comment.pk}"
    excerpt = body if len(body) <= 300 else f"{body[:300]}…"
    events.emit(
        MENTIONED,
        key=f"{MENTIONED}:comment:{comment.pk}",
        title=f"{actor} mentioned you on {label}",
        body=excerpt,
        url=url,
        recipients=mentioned,
        record=record,
        actor=actor,
    )
    return comment
