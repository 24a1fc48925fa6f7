"""Searchable choices over a large record table: what a filter offers instead of a menu
listing every row (thousands of audits, programmes or suppliers).

Rules enforced here, for every record type that declares ``lookup`` fields:
- at most ``LOOKUP_LIMIT`` matches, in the list's own order, in a constant number of queries;
- only the records the user may see (``restrict``): a scoped user is offered nothing
  outside their scope;
- empty or blank text matches nothing (a lookup never lists the whole table).
"""

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, Q

from ..scopes import restrict

LOOKUP_LIMIT = 20
MAX_TEXT = 100


def lookup_query(model, fields: tuple[str, ...], text: str) -> Q | None:
    """Rows whose text ``fields`` contain ``text``, or whose number fields equal it."""
    query = None
    for name in fields:
        field = model._meta.get_field(name)
        if isinstance(field, IntegerField):
            if not (text.isascii() and text.isdigit() and len(text) < 10):
                continue
            term = Q(**{name: int(text)})
        else:
            term = Q(**{f"{name}__icontains": text})
        query = term if query is None else query | term
    return query


def lookup_matches(rt, user, text: str, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """``[{"id", "text"}]``: the records of ``rt`` that ``user`` may see whose lookup fields
    match ``text``."""
    text = (text or "").replace("\x00", "").strip()[:MAX_TEXT]
    query = lookup_query(rt.model, rt.lookup, text) if text else None
    if query is None:
        return []
    rows = restrict(rt.queryset(), user).filter(query)[:limit]
    return [{"id": row.pk, "text": str(row)} for row in rows]


def active_people():
    """The people a filter may name: active users, by username."""
    return get_user_model().objects.filter(is_active=True).order_by("username")


def people_matches(text: str, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """``[{"id", "text"}]``: active users each of whose words of ``text`` is part of their
    username, first name or last name ("grace lead" finds Grace Lead)."""
    words = (text or "").replace("\x00", "").strip()[:MAX_TEXT].split()
    if not words:
        return []
    query = Q()
    for word in words:
        query &= (
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    return [{"id": user.pk, "text": str(user)} for user in active_people().filter(query)[:limit]]
