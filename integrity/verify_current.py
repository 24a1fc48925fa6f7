"""Check offline that every live row in an evidence bundle equals its latest recorded version.

Standard library only: this file ships inside evidence bundles next to verify_bundle.py, and
the portal imports its message functions, so the online check (current_state.py) and this
one word every problem the same way.

The bundle holds two streams, both in ledger order:

- ``records.jsonl``: the history rows, each ``{"sequence", "model", "id", "row"}`` (``model``
  is the history table's label, ``row`` its canonical dict);
- the live rows written by ``integrity.current_bundle.current_rows``, one item per
  live row (or per link, or per record whose live row is gone), each naming the ledger
  ``sequence`` of the history row it must equal. Items whose row has no recorded version
  come last, with ``sequence`` None.

:class:`CurrentStateChecker` merge-joins the two in constant memory: it is given the live
items as an iterator, is fed every history row in ledger order with :meth:`history_row`,
and reports what is left with :meth:`finish`. :func:`check_streams` and
:func:`check_archive` do the whole walk.

Item fields (all items): ``sequence`` (int or None), ``model`` (live model label), ``id``
(the record's id), ``field`` (None for the record's own row, else the link field's name),
``history_model`` (label of the history table holding the version row), ``version`` (the
``history_id`` of the record's latest version, None when it has none), ``record`` (a
readable name such as "AI system #12 (support-assistant)").
Record items add ``row``: the live row's canonical dict (the fields the history keeps), or
None when the live row is gone. Link items add ``link`` (``{source column: record id, target
column: linked id}``), ``live`` (whether that link row exists now) and ``target`` (what the
link points at, e.g. "AI system").

Problems are dicts ``{"kind": "changed" | "missing" | "inserted", "model", "id", "field",
"message"}``.
"""

import io
import json

CHANGED, MISSING, INSERTED = "changed", "missing", "inserted"
DELETION = "-"  # history_type of a version that records a deletion

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def same_value(a, b):
    """Whether two canonical values are the same JSON value (``1``, ``1.0`` and ``true``
    differ, as they do in the hashed form)."""
    if (type(a) is type(b) and type(a) in (str, int, bool)) or a is None or b is None:
        return type(a) is type(b) and a == b
    return _CANONICAL.encode(a) == _CANONICAL.encode(b)


def record_label(verbose_name, pk, name=None):
    """ "AI system #12 (support-assistant)"."""
    text = f"{verbose_name[:1].upper()}{verbose_name[1:]} #{pk}"
    return f"{text} ({name})" if name not in (None, "") else text


def show(value, limit=80):
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        return "'" + text.replace("\n", " ") + "'"
    text = _CANONICAL.encode(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem(kind, model, pk, field, message):
    return {"kind": kind, "model": model, "id": pk, "field": field, "message": message}


def field_changed(model, pk, record, field, live, recorded):
    return problem(
        CHANGED,
        model,
        pk,
        field,
        f"{record}: {field} is {show(live)} but its latest version says {show(recorded)} — "
        "changed outside the portal",
    )


def link_added(model, pk, record, field, target, target_id):
    return problem(
        CHANGED,
        model,
        pk,
        field,
        f"{record}: {field} links {target} #{target_id}, which its latest version does not — "
        "link added outside the portal",
    )


def link_removed(model, pk, record, field, target, target_id):
    return problem(
        CHANGED,
        model,
        pk,
        field,
        f"{record}: {field} no longer links {target} #{target_id}, which its latest version "
        "does — link removed outside the portal",
    )


def no_version(model, pk, record):
    return problem(
        INSERTED,
        model,
        pk,
        None,
        f"{record} has no recorded version — inserted outside the portal",
    )


def restored(model, pk, record):
    return problem(
        INSERTED,
        model,
        pk,
        None,
        f"{record} exists but its latest version records its deletion — "
        "restored outside the portal",
    )


def deleted(model, pk, record):
    return problem(
        MISSING,
        model,
        pk,
        None,
        f"{record} is gone but its latest version is not a deletion — deleted outside the portal",
    )


def version_absent(item):
    return problem(
        MISSING,
        item["model"],
        item["id"],
        item.get("field"),
        f"{item['record']}: the version it must equal (ledger entry {item['sequence']}) is "
        "not among the bundle's record versions — the bundle is incomplete or was altered",
    )


def version_mismatch(item):
    return problem(
        CHANGED,
        item["model"],
        item["id"],
        item.get("field"),
        f"{item['record']}: ledger entry {item['sequence']} is not the version the bundle "
        "pairs it with — the bundle is inconsistent or was altered",
    )


def compare_record(item, history):
    """Problems of a record item against the canonical dict of the version it must equal."""
    model, pk, record, live = item["model"], item["id"], item["record"], item["row"]
    if history.get("history_type") == DELETION:
        return [] if live is None else [restored(model, pk, record)]
    if live is None:
        return [deleted(model, pk, record)]
    return [
        field_changed(model, pk, record, name, value, history.get(name))
        for name, value in live.items()
        if name not in history or not same_value(value, history[name])
    ]


def compare_link(item, history):
    """Problems of a link item against the link row of the version it must equal."""
    link = item["link"]
    if any(not same_value(value, history.get(name)) for name, value in link.items()):
        return [version_mismatch(item)]
    if item["live"]:
        return []
    target_id = list(link.values())[-1]
    return [
        link_removed(
            item["model"], item["id"], item["record"], item["field"], item["target"], target_id
        )
    ]


def compare_unversioned(item):
    """Problems of an item that no recorded version covers (``sequence`` None)."""
    if item.get("field") is None:
        return [no_version(item["model"], item["id"], item["record"])]
    target_id = list(item["link"].values())[-1]
    return [
        link_added(
            item["model"], item["id"], item["record"], item["field"], item["target"], target_id
        )
    ]


class CurrentStateChecker:
    """Merge-join of the bundle's history rows (ledger order) with its live items.

    ``CurrentStateChecker(live_items)`` takes an iterator of live items in the order
    ``current_rows`` writes them (ascending ``sequence``, then the items with ``sequence``
    None). Call ``history_row(sequence, model, id, row)`` for every history row of the
    bundle in ledger order, then ``finish()``, which returns the list of problems (also in
    ``self.problems``). ``report`` (optional) is called with each problem as it is found.
    Memory: one pending item.
    """

    def __init__(self, live_items, report=None, max_problems=None):
        self.items = iter(live_items)
        self.pending = next(self.items, None)
        self.report = report
        self.max_problems = max_problems
        self.problems = []
        self.truncated = False
        self.rows_checked = 0
        self.links_checked = 0

    def _add(self, found):
        for item in found:
            if self.report is not None:
                self.report(item)
            if self.max_problems is not None and len(self.problems) >= self.max_problems:
                self.truncated = True
                continue
            self.problems.append(item)

    def _sequenced(self):
        return self.pending is not None and self.pending.get("sequence") is not None

    def history_row(self, sequence, model, id, row):
        """One history row of the bundle; rows must come in ascending ``sequence``."""
        while self._sequenced() and self.pending["sequence"] < sequence:
            self._add([version_absent(self.pending)])
            self.pending = next(self.items, None)
        if not self._sequenced() or self.pending["sequence"] != sequence:
            return
        item, self.pending = self.pending, next(self.items, None)
        is_record = item.get("field") is None
        consistent = model == item["history_model"] and row.get("history_id") == item["version"]
        if is_record:
            consistent = consistent and row.get("id") == item["id"]
        if not consistent:
            self._add([version_mismatch(item)])
        elif is_record:
            self.rows_checked += 1
            self._add(compare_record(item, row))
        else:
            self.links_checked += 1
            self._add(compare_link(item, row))

    def finish(self):
        """Report the items no history row matched; returns every problem found."""
        while self.pending is not None:
            if self.pending.get("sequence") is None:
                self._add(compare_unversioned(self.pending))
            else:
                self._add([version_absent(self.pending)])
            self.pending = next(self.items, None)
        return self.problems


def check_streams(history_rows, live_items, report=None):
    """Run the merge-join over ``history_rows`` (dicts with sequence, model, id, row, in
    ledger order; rows with sequence None are skipped) and ``live_items``; returns the
    finished checker."""
    checker = CurrentStateChecker(live_items, report)
    for record in history_rows:
        if record.get("sequence") is not None:
            checker.history_row(record["sequence"], record["model"], record["id"], record["row"])
    checker.finish()
    return checker


def jsonl(archive, name):
    """The JSON lines of one file of an open ZipFile, streamed."""
    with archive.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.strip():
                yield json.loads(line)


CURRENT_FILE = "current.jsonl"


def check_archive(archive, records="records.jsonl", current=CURRENT_FILE, report=None):
    """Check an open bundle ZipFile: ``records`` against ``current``; the finished checker."""
    return check_streams(jsonl(archive, records), jsonl(archive, current), report)
