"""The live rows of an evidence bundle, so that the offline verifier can check current state.

``current_rows(area)`` yields one item per live row of every model with history in the area
(all areas when ``area`` is ""), per link of those rows, and per record whose latest version
is not a deletion but whose live row is gone. Each item names the ledger ``sequence`` of the
history row it must equal — the record's latest version (highest ``history_id``), or that
version's link row — and items come in ascending sequence, so that verify_current.py can
merge-join them with records.jsonl (history rows in ledger order) holding one item at a
time. Items that no recorded version covers come last, with sequence None: live rows with
no version or whose latest version has no ledger entry, and links the latest version lacks.
The item fields are documented in verify_current.py.

Rows are read with one streaming query per model and per link field (server-side cursors on
PostgreSQL), merged by sequence, and completed with one query per chunk of live rows; memory
holds a chunk per stream, whatever the size of the tables. Fields kept out of history (a
user's password) are not written.

Read the bundle's ledger slice and these rows in one transaction (REPEATABLE READ on
PostgreSQL) so that both come from one snapshot; ``up_to_sequence`` (the bundle's head)
leaves out records whose latest version came after it.
"""

import heapq
import itertools
import json
from collections.abc import Iterator
from typing import IO

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from . import selectors
from .current_state import LinkSpec, ModelSpec, canonical, model_spec, tracked_history_models
from .labels import ledger_label
from .models import LedgerEntry
from .verify_current import DELETION, record_label

CHUNK = 1000


def _sequence_of(label: str, ref: str) -> Subquery:
    return Subquery(
        LedgerEntry.objects.filter(covered_model=label, covered_id=OuterRef(ref)).values(
            "sequence"
        )[:1]
    )


def _latest_ids(spec: ModelSpec):
    return (
        spec.history._base_manager.values(spec.pk)
        .annotate(latest=Max("history_id"))
        .values("latest")
    )


def _label(spec: ModelSpec, pk, values: dict | None) -> str:
    name = values.get(spec.name_field) if values and spec.name_field else None
    return record_label(spec.verbose_name, pk, name)


def _batches(rows, size: int):
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _record_item(spec: ModelSpec, sequence, history_id, live: dict | None, kept: dict):
    return {
        "sequence": sequence,
        "model": spec.label,
        "id": kept[spec.pk],
        "field": None,
        "history_model": ledger_label(spec.history),
        "version": history_id,
        "record": _label(spec, kept[spec.pk], live or kept),
        "row": live,
    }


def _record_stream(spec: ModelSpec, up_to: int | None, covered: bool, chunk: int) -> Iterator:
    """Items of the records whose latest version is (``covered``) or is not in the ledger."""
    history_label = ledger_label(spec.history)
    alive = Exists(spec.live._base_manager.filter(pk=OuterRef(spec.pk)))
    versions = (
        spec.history._base_manager.filter(history_id__in=_latest_ids(spec))
        .annotate(seq=_sequence_of(history_label, "history_id"), alive=alive)
        .filter(Q(alive=True) | ~Q(history_type=DELETION))
        .filter(seq__isnull=not covered)
    )
    if covered and up_to is not None:
        versions = versions.filter(seq__lte=up_to)
    rows = versions.order_by("seq" if covered else "history_id").values_list(
        "seq", "history_id", *spec.fields
    )
    for batch in _batches(rows.iterator(chunk_size=chunk), chunk):
        ids = [v[2] for v in batch]
        live = {
            values[0]: canonical(spec, values)
            for values in spec.live._base_manager.filter(pk__in=ids).values_list(*spec.fields)
        }
        for sequence, history_id, *values in batch:
            kept = dict(zip(spec.fields, values, strict=True))  # only its id and name are used
            row = live.get(kept[spec.pk])
            if covered or row is not None:
                yield _record_item(spec, sequence, history_id, row, kept)


def _unversioned_rows(spec: ModelSpec, chunk: int) -> Iterator:
    """Items of live rows that have no version at all."""
    versions = spec.history._base_manager.filter(**{spec.pk: OuterRef("pk")})
    rows = (
        spec.live._base_manager.filter(~Exists(versions))
        .order_by("pk")
        .values_list(*spec.fields)
        .iterator(chunk_size=chunk)
    )
    for values in rows:
        row = canonical(spec, values)
        yield _record_item(spec, None, None, row, row)


def _link_item(spec: ModelSpec, link: LinkSpec, sequence, history_id, source, target, live, name):
    return {
        "sequence": sequence,
        "model": spec.label,
        "id": source,
        "field": link.name,
        "history_model": ledger_label(link.history),
        "version": history_id,
        "record": record_label(spec.verbose_name, source, name),
        "target": link.target_label,
        "link": {link.source: source, link.target: target},
        "live": live,
    }


def _name_of_version(spec: ModelSpec, ref: str):
    if spec.name_field is None:
        return Subquery(spec.history._base_manager.filter(pk=None).values("pk")[:1])
    return Subquery(
        spec.history._base_manager.filter(history_id=OuterRef(ref)).values(spec.name_field)[:1]
    )


def _link_stream(spec: ModelSpec, link: LinkSpec, up_to: int | None, chunk: int) -> Iterator:
    """Items of the link rows of latest versions, in ledger order, each saying whether that
    link still exists."""
    label = ledger_label(link.history)
    exists = Exists(
        link.through._base_manager.filter(
            **{link.source: OuterRef(link.source), link.target: OuterRef(link.target)}
        )
    )
    rows = (
        link.history._base_manager.filter(history_id__in=_latest_ids(spec))
        .annotate(
            seq=_sequence_of(label, "m2m_history_id"),
            live=exists,
            name=_name_of_version(spec, "history_id"),
        )
        .filter(seq__isnull=False)
    )
    if up_to is not None:
        rows = rows.filter(seq__lte=up_to)
    rows = rows.order_by("seq").values_list(
        "seq", "history_id", link.source, link.target, "live", "name"
    )
    for sequence, history_id, source, target, live, name in rows.iterator(chunk_size=chunk):
        yield _link_item(spec, link, sequence, history_id, source, target, live, name)


def _added_links(spec: ModelSpec, link: LinkSpec, up_to: int | None, chunk: int) -> Iterator:
    """Items of live links that the latest version of their record does not have."""
    latest = spec.history._base_manager.filter(**{spec.pk: OuterRef(link.source)}).order_by(
        "-history_id"
    )
    kept = link.history._base_manager.filter(
        history_id=OuterRef("version"), **{link.target: OuterRef(link.target)}
    )
    rows = (
        link.through._base_manager.annotate(
            version=Subquery(latest.values("history_id")[:1]),
            version_type=Subquery(latest.values("history_type")[:1]),
        )
        .filter(version__isnull=False)
        .exclude(version_type=DELETION)
        .annotate(kept=Exists(kept), name=_name_of_version(spec, "version"))
        .filter(kept=False)
    )
    if up_to is not None:
        rows = rows.annotate(
            version_seq=_sequence_of(ledger_label(spec.history), "version")
        ).filter(version_seq__lte=up_to)
    rows = rows.order_by(link.source, link.target).values_list(
        link.source, link.target, "version", "name"
    )
    for source, target, history_id, name in rows.iterator(chunk_size=chunk):
        yield _link_item(spec, link, None, history_id, source, target, True, name)


def area_specs(area: str = "") -> list[ModelSpec]:
    return [
        model_spec(history)
        for history in tracked_history_models()
        if not area or selectors.model_area(history) == area
    ]


def current_rows(area: str = "", *, up_to_sequence: int | None = None, chunk_size: int = CHUNK):
    """The live rows of ``area`` ("" for the whole AIMS) as items for verify_current.py, in
    ascending ``sequence`` of the history row each must equal, then the items with sequence
    None. ``up_to_sequence``: leave out records whose latest version has a later entry."""
    specs = area_specs(area)
    sequenced = [_record_stream(spec, up_to_sequence, True, chunk_size) for spec in specs]
    sequenced += [
        _link_stream(spec, link, up_to_sequence, chunk_size)
        for spec in specs
        for link in spec.links
    ]
    yield from heapq.merge(*sequenced, key=lambda item: item["sequence"])
    for spec in specs:
        yield from _record_stream(spec, up_to_sequence, False, chunk_size)
        yield from _unversioned_rows(spec, chunk_size)
        for link in spec.links:
            yield from _added_links(spec, link, up_to_sequence, chunk_size)


def write_current_rows(
    target: IO[bytes], area: str = "", *, up_to_sequence: int | None = None
) -> int:
    """Write ``current_rows`` as JSON lines (the bundle's current.jsonl) to a binary file;
    returns how many items were written."""
    written = 0
    for item in current_rows(area, up_to_sequence=up_to_sequence):
        target.write(json.dumps(item, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        target.write(b"\n")
        written += 1
    return written
