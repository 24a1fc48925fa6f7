"""Search across every record type, from the box in the header.

Apps register the models people search (``register``); every record type of the generic
record views is registered with its text fields unless its app registered it first. Each
save of a registered record updates its one ``SearchEntry`` (title, text, area, link);
on PostgreSQL the entry's weighted text-search vector is stored too, behind a GIN index.

Rules enforced here:
- results hold only records of the areas the user may view (the permission table's "view"
  grant), filtered in the query itself, so no count or page can leak another area;
- a user whose view is limited (own records only, or a scope of AI systems) finds only the
  records their lists show them (``within_reach``, the same ``restrict`` in the same query);
- PostgreSQL: full-text search (web-search syntax: words, "quoted phrases", -excluded),
  ranked by SearchRank (title matches weigh more); SQLite: every word must appear in the
  title or the text (case-insensitive), newest first;
- a query is at most 200 characters; NUL and control characters are dropped; at most
  ``limit`` (50) results.
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save

from . import roles, scopes
from .models import SearchEntry
from .records import registered_types

MAX_QUERY = 200
CONFIG = "english"
BODY_LIMIT = 20000


@dataclass(frozen=True)
class Searchable:
    model: type
    fields: tuple[str, ...]


_REGISTRY: dict[type, Searchable] = {}
_defaults_done = False


def register(model, *, fields: tuple[str, ...]):
    """Make ``model`` searchable by ``fields`` (its title is ``str(record)``)."""
    _REGISTRY[model] = Searchable(model, tuple(fields))


def _text_fields(model) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and not isinstance(f, models.URLField)
        and f.name not in ("secret", "key_hash")
    )


def _registry() -> dict[type, Searchable]:
    """The registrations, with every record type of the generic views added, on first use
    (once every app has declared its record types)."""
    global _defaults_done
    if not _defaults_done:
        for rt in registered_types():
            if rt.model not in _REGISTRY:
                register(rt.model, fields=_text_fields(rt.model))
        _defaults_done = True
    return _REGISTRY


def searchables() -> list[Searchable]:
    return list(_registry().values())


def _entry_values(record, searchable):
    parts = [str(getattr(record, name) or "") for name in searchable.fields]
    return {
        "area": type(record).area,
        "title": str(record)[:300],
        "body": "\n".join(p for p in parts if p)[:BODY_LIMIT],
        "url": record.get_absolute_url()[:500],
    }


def index(record) -> None:
    """Write the search entry of ``record`` (one upsert, and the vector on PostgreSQL)."""
    searchable = _registry().get(type(record))
    if searchable is None:
        return
    content_type = ContentType.objects.get_for_model(type(record))
    entry, _ = SearchEntry.objects.update_or_create(
        content_type=content_type,
        object_id=record.pk,
        defaults=_entry_values(record, searchable),
    )
    if connection.vendor == "postgresql":
        SearchEntry.objects.filter(pk=entry.pk).update(vector=_vector())


def _vector():
    return SearchVector("title", weight="A", config=CONFIG) + SearchVector(
        "body", weight="B", config=CONFIG
    )


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        index(instance)


def _deleted(sender, instance, **kwargs):
    if sender not in _registry():
        return
    SearchEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk
    ).delete()


def connect():
    """Keep entries current on every save and delete (called from the app's ready)."""
    post_save.connect(_saved, dispatch_uid="aims-search-index")
    post_delete.connect(_deleted, dispatch_uid="aims-search-unindex")


def reindex(chunk: int = 500) -> int:
    """Rebuild every entry (after installing, or to repair); returns how many."""
    total = 0
    for searchable in searchables():
        model = searchable.model
        content_type = ContentType.objects.get_for_model(model)
        SearchEntry.objects.filter(content_type=content_type).delete()
        batch = []
        for record in model._default_manager.all().iterator(chunk_size=chunk):
            batch.append(
                SearchEntry(
                    content_type=content_type,
                    object_id=record.pk,
                    **_entry_values(record, searchable),
                )
            )
            if len(batch) >= chunk:
                total += len(SearchEntry.objects.bulk_create(batch))
                batch = []
        total += len(SearchEntry.objects.bulk_create(batch))
    if connection.vendor == "postgresql":
        SearchEntry.objects.update(vector=_vector())
    return total


def clean_query(text: str) -> str:
    text = "".join(ch for ch in (text or "") if ch.isprintable())
    return " ".join(text.split())[:MAX_QUERY]


def visible_areas(user) -> list[str]:
    return [area for area in roles.matrix().areas if roles.can(user, "view", area)]


def within_reach(entries, user):
    """``entries`` narrowed to records ``user`` may view when their view is limited to their
    own records or to a scope (aims_portal.scopes.restrict, as every list applies it): one
    subquery per searchable type inside the same query. Unlimited users skip it."""
    limited = [
        s.model
        for s in searchables()
        if roles.can(user, "view", s.model.area)
        and (scopes.is_scoped(user) or roles.own_only(user, "view", s.model.area))
    ]
    if not limited:
        return entries
    reach = Q(~Q(content_type__in=[ContentType.objects.get_for_model(m) for m in limited]))
    for model in limited:
        allowed = scopes.restrict(model._default_manager.all(), user).values("pk")
        reach |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=allowed)
    return entries.filter(reach)


def search(user, text: str, limit: int = 50):
    """Entries matching ``text`` that ``user`` may see, best first (one query)."""
    text = clean_query(text)
    if not text:
        return SearchEntry.objects.none()
    entries = within_reach(
        SearchEntry.objects.filter(area__in=visible_areas(user)), user
    ).select_related("content_type")
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        return (
            entries.filter(vector=query)
            .annotate(rank=SearchRank(F("vector"), query))
            .order_by("-rank", "-updated_at")[:limit]
        )
    condition = Q()
    for word in text.split()[:10]:
        condition &= Q(title__icontains=word) | Q(body__icontains=word)
    return entries.filter(condition).order_by("-updated_at")[:limit]
