"""Selectors over django-simple-history: the versions of a record and the diff of two."""

from dataclasses import dataclass

from django.db import models
from django.utils.text import capfirst

from .display import display_value, list_diff

# Bookkeeping fields that change on every save and say nothing to a reader.
HIDDEN_FIELDS = {"updated_at", "version", "created_at"}


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    # For a list (links, a list field): which items were removed and which added.
    items: dict | None = None


def versions(model, pk):
    """All saved versions of one record, newest first, with who made them."""
    return model.history.filter(id=pk).select_related("history_user").order_by("-history_id")


def version_page(model, pk, history_id, page_size):
    """The page number (newest first) on which version ``history_id`` of a record is listed
    (one query)."""
    newer = versions(model, pk).filter(history_id__gt=history_id).count()
    return newer // page_size + 1


def _tracked_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in HIDDEN_FIELDS and f.name != model._meta.pk.name
    ]


def _display(field, value, related):
    if isinstance(field, models.ForeignKey) and value is not None:
        obj = related.get((field.name, value))
        return str(obj) if obj is not None else f"#{value} (deleted)"
    return display_value(field, value)


# Shown for the links of a version written before the record's link history started.
NOT_RECORDED = "(not recorded)"


def _link_fields(model):
    """The many-to-many fields whose links every version keeps (simple-history's m2m
    history, declared by the model's ``_history_m2m_fields``)."""
    return [model._meta.get_field(name) for name in getattr(model, "_history_m2m_fields", ())]


def version_links(model, field, history_ids):
    """{history_id: frozenset of linked ids} of those versions, one query."""
    table = getattr(model.history.model, field.name).model
    found = {history_id: set() for history_id in history_ids}
    for history_id, target in table.objects.filter(history_id__in=history_ids).values_list(
        "history_id", field.m2m_reverse_name()
    ):
        found[history_id].add(target)
    return {history_id: frozenset(ids) for history_id, ids in found.items()}


def _links_start(model, pk):
    """history_id of the record's first version with links, when its links were not
    versioned from its creation (the model's ``_history_links_start_reason`` names the
    version that started them); None when every version has its links."""
    reason = getattr(model, "_history_links_start_reason", None)
    if reason is None:
        return None
    return (
        versions(model, pk)
        .filter(history_change_reason=reason)
        .order_by("history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def _recorded(version, start):
    return start is None or version.history_id >= start


def diff(model, older, newer):
    """Field-by-field changes from ``older`` to ``newer`` (historical rows of ``model``),
    links to other records included.

    Foreign keys and links are shown by name, fetched with one query per changed relation.
    """
    changes = []
    for field in _tracked_fields(model):
        attname = field.attname
        old, new = getattr(older, attname), getattr(newer, attname)
        if old != new:
            changes.append((field, old, new))
    related = {}
    for field in {f for f, _, _ in changes if isinstance(f, models.ForeignKey)}:
        ids = {v for f, o, n in changes if f is field for v in (o, n) if v is not None}
        for pk, obj in field.related_model._base_manager.in_bulk(ids).items():
            related[(field.name, pk)] = obj
    result = [
        FieldChange(
            name=field.name,
            label=str(capfirst(field.verbose_name)),
            old=_display(field, old, related),
            new=_display(field, new, related),
            items=_list_items(field, old, new),
        )
        for field, old, new in changes
    ]
    link_fields = _link_fields(model)
    start = _links_start(model, older.id) if link_fields else None
    for field in link_fields:
        links = version_links(model, field, [older.history_id, newer.history_id])
        old, new = links[older.history_id], links[newer.history_id]
        if not _recorded(older, start):
            old = None
        if old == new:
            continue
        names = field.related_model._base_manager.in_bulk((old or set()) | new)
        result.append(
            FieldChange(
                name=field.name,
                label=str(capfirst(field.verbose_name)),
                old=_link_names(old, names),
                new=_link_names(new, names),
                items=None if old is None else list_diff(_names(old, names), _names(new, names)),
            )
        )
    return result


def _list_items(field, old, new):
    """The item-by-item diff of a list field (a JSON list), None for other fields."""
    lists = isinstance(old, list | tuple | type(None)) and isinstance(new, list | tuple)
    return list_diff(old, new) if lists else None


def _names(ids, names):
    labels = [str(names[pk]) if pk in names else f"#{pk} (deleted)" for pk in ids]
    return sorted(labels, key=str.casefold)


def _link_names(ids, names):
    if ids is None:
        return NOT_RECORDED
    if not ids:
        return "—"
    return "\n".join(_names(ids, names))


@dataclass(frozen=True)
class VersionChange:
    """One field a version changed, with the stored values before and after it (a foreign
    key as the id, links as the sorted ids; None for links not yet recorded)."""

    name: str
    label: str
    old: object
    new: object


def changes_per_version(model, pk, rows):
    """Triples (version, the version before it, its VersionChanges) for ``rows``: consecutive
    versions of one record, newest first.

    A fixed number of queries whatever the number of rows or versions: the version just
    before the oldest row, and one per link field.
    """
    rows = list(rows)
    if not rows:
        return []
    before = versions(model, pk).filter(history_id__lt=rows[-1].history_id).first()
    fields = _tracked_fields(model)
    link_fields = _link_fields(model)
    ids = [row.history_id for row in rows] + ([before.history_id] if before else [])
    links = {field: version_links(model, field, ids) for field in link_fields}
    start = _links_start(model, pk) if link_fields else None
    result = []
    for row, previous in zip(rows, [*rows[1:], before], strict=True):
        changed = []
        if previous is not None:
            for f in fields:
                old, new = getattr(previous, f.attname), getattr(row, f.attname)
                if old != new:
                    changed.append(VersionChange(f.name, str(capfirst(f.verbose_name)), old, new))
            for f in link_fields:
                if not _recorded(previous, start):
                    continue
                old, new = links[f][previous.history_id], links[f][row.history_id]
                if old != new:
                    label = str(capfirst(f.verbose_name))
                    changed.append(VersionChange(f.name, label, sorted(old), sorted(new)))
        result.append((row, previous, changed))
    return result


def changed_fields_per_version(model, pk, page):
    """Triples (version, the version before it, labels of the fields it changed) for one page
    of versions."""
    return [
        (row, previous, [change.label for change in changed])
        for row, previous, changed in changes_per_version(model, pk, page.object_list)
    ]
