"""Reads of the control catalogue and the SoA: whole-SoA snapshots (current, frozen or as of a
date), progress per group and the differences between two snapshots. Each read runs a fixed
number of queries whatever the number of entries, systems or evidence references."""

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Prefetch, QuerySet

from aims_portal.display import list_diff
from aims_portal.history import version_links
from assessments.models import Risk
from registry.models import AISystem

from .catalogue import soa_document
from .models import (
    Control,
    ControlledDocument,
    DocumentSettings,
    ExclusionReason,
    InclusionReason,
    SoAEntry,
    SoARevision,
    StatementOfApplicability,
)

# The fields of a frozen entry a reader compares, with their labels.
COMPARED_FIELDS = OrderedDict(
    [
        ("applicability", "Applicability"),
        ("inclusion_reasons", "Inclusion reasons"),
        ("exclusion_reasons", "Exclusion reasons"),
        ("justification", "Justification"),
        ("implementation_status", "Implementation"),
        ("owner", "Owner"),
        ("systems", "AI systems"),
        ("risks", "Risks"),
        ("evidence", "Evidence"),
        ("last_reviewed", "Last reviewed"),
    ]
)

APPLICABILITY_LABELS = dict(SoAEntry.Applicability.choices)
IMPLEMENTATION_LABELS = dict(SoAEntry.Implementation.choices)
REASON_LABELS = dict(InclusionReason.Reason.choices)
EXCLUSION_LABELS = dict(ExclusionReason.Reason.choices)

# One SoA entry as plain data (see entry_data): what a revision freezes and a page shows.
EntryRow = dict[str, Any]


def soa_entries() -> QuerySet[SoAEntry]:
    """Current entries with everything a page, an export or a snapshot shows."""
    return SoAEntry.objects.select_related("control", "owner").prefetch_related(
        Prefetch("systems", queryset=AISystem.objects.order_by("name").only("id", "name", "slug")),
        Prefetch(
            "risks", queryset=Risk.objects.order_by("reference").only("id", "reference", "title")
        ),
        "inclusion_reasons",
        "exclusion_reasons",
    )


def entry_data(
    entry: SoAEntry,
    control: Control | None = None,
    systems: list[str] | None = None,
    risks: list[str] | None = None,
    reasons: list[str] | None = None,
    exclusions: list[str] | None = None,
) -> EntryRow:
    """One entry as plain data: what a revision freezes and what exports print."""
    control = control or entry.control
    if reasons is None:
        reasons = [r.reason for r in entry.inclusion_reasons.all()]
    if exclusions is None:
        exclusions = [r.reason for r in entry.exclusion_reasons.all()]
    if systems is None:
        systems = [s.name for s in entry.systems.all()]
    if risks is None:
        risks = [f"{r.reference} {r.title}" for r in entry.risks.all()]
    return {
        "ref": control.ref,
        "title": control.title,
        "group": control.group,
        "group_title": control.group_title,
        "applicability": entry.applicability,
        "inclusion_reasons": sorted(reasons),
        "exclusion_reasons": sorted(exclusions),
        "justification": entry.justification,
        "implementation_status": entry.implementation_status,
        "owner": str(entry.owner) if entry.owner_id else "",
        "systems": sorted(systems),
        "risks": sorted(risks),
        "evidence": list(entry.evidence or []),
        "last_reviewed": entry.last_reviewed.isoformat() if entry.last_reviewed else "",
    }


def current_snapshot() -> list[EntryRow]:
    return [entry_data(entry) for entry in soa_entries()]


# The change reason of the history rows that migration 0005 wrote where link history starts.
LINK_HISTORY_START_REASON = SoAEntry._history_links_start_reason


def first_recorded() -> datetime | None:
    """When the first SoA entry was recorded (None before any): the earliest date an
    as-of view can show."""
    return SoAEntry.history.order_by("history_date").values_list("history_date", flat=True).first()


def snapshot_as_of(moment: datetime) -> list[EntryRow]:
    """The entries as they stood at ``moment``, rebuilt from their history: their fields and
    their links to AI systems and risks, the linked records named as they were then.

    At most eight queries whatever the number of entries and links. Where the links of an entry were
    not yet versioned at ``moment`` (before migration 0005 started its link history),
    ``systems`` and ``risks`` are None: not recorded, which is not the same as none."""
    controls = {c.pk: c for c in Control.objects.all()}
    versions = {}
    for version in (
        SoAEntry.history.filter(history_date__lte=moment)
        .latest_of_each()
        .order_by("history_date", "history_id")
    ):
        versions[version.id] = version  # two rows with one date: the later one wins
    entries = [v for v in versions.values() if v.history_type != "-"]
    unknown = set(
        SoAEntry.history.filter(
            history_change_reason=LINK_HISTORY_START_REASON, history_date__gt=moment
        ).values_list("id", flat=True)
    )
    links = _links_as_of([e.history_id for e in entries if e.id not in unknown], moment)
    reasons, exclusions = {}, {}
    for model, found in ((InclusionReason, reasons), (ExclusionReason, exclusions)):
        for version in model.history.filter(history_date__lte=moment).latest_of_each():
            if version.history_type != "-":
                found.setdefault(version.entry_id, []).append(version.reason)
    owners = {}
    user_ids = {e.owner_id for e in entries if e.owner_id}
    if user_ids:
        from django.contrib.auth import get_user_model

        owners = get_user_model().objects.in_bulk(user_ids)
    rows = []
    for entry in entries:
        entry.owner = owners.get(entry.owner_id)
        control = controls.get(entry.control_id)
        if control is None:
            continue
        systems, risks = links.get(entry.history_id, ([], []))
        row = entry_data(
            entry,
            control=control,
            systems=systems,
            risks=risks,
            reasons=reasons.get(entry.id, []),
            exclusions=exclusions.get(entry.id, []),
        )
        if entry.id in unknown:
            row["systems"] = row["risks"] = None
        # The entry's id too, so that the page can link each row to the entry's history.
        rows.append({**row, "entry_id": entry.id})
    rows.sort(key=lambda row: controls_sort_key(row["ref"]))
    return rows


def _links_as_of(
    history_ids: list[int], moment: datetime
) -> dict[int, tuple[list[str], list[str]]]:
    """{history_id: (system names, risk labels)} of those entry versions, the linked
    systems and risks named as they were at ``moment`` (as now if they have no history)."""
    system_links = version_links(SoAEntry, SoAEntry._meta.get_field("systems"), history_ids)
    risk_links = version_links(SoAEntry, SoAEntry._meta.get_field("risks"), history_ids)
    systems = _names_as_of(
        AISystem, set().union(*system_links.values()), moment, ("name",), lambda s: s["name"]
    )
    risks = _names_as_of(
        Risk,
        set().union(*risk_links.values()),
        moment,
        ("reference", "title"),
        lambda r: f"{r['reference']} {r['title']}",
    )
    return {
        history_id: (
            [systems.get(pk, f"#{pk} (deleted)") for pk in system_links[history_id]],
            [risks.get(pk, f"#{pk} (deleted)") for pk in risk_links[history_id]],
        )
        for history_id in history_ids
    }


def _names_as_of(
    model: type[Model],
    ids: set[int],
    moment: datetime,
    fields: tuple[str, ...],
    label: Callable[[dict[str, Any]], str],
) -> dict[int, str]:
    """{pk: label} of those records as they were at ``moment``: one query, or two when
    some have no history row by then (created before history was kept)."""
    if not ids:
        return {}
    names = {
        row["id"]: label(row)
        for row in model.history.filter(id__in=ids, history_date__lte=moment)
        .latest_of_each()
        .order_by("history_date", "history_id")
        .values("id", *fields)
    }
    missing = ids - names.keys()
    if missing:
        names.update(
            {
                row["id"]: label(row)
                for row in model.objects.filter(pk__in=missing).values("id", *fields)
            }
        )
    return names


def controls_sort_key(ref: str) -> str:
    from .catalogue import sort_key

    return sort_key(ref)


@dataclass
class GroupProgress:
    group: str
    title: str
    total: int
    applicable: int
    excluded: int
    undecided: int
    implemented: int
    partial: int

    @property
    def percent(self) -> int:
        """Implemented share of the applicable controls (partial counts half)."""
        if not self.applicable:
            return 0
        return round(100 * (self.implemented + 0.5 * self.partial) / self.applicable)


def progress_by_group(rows: Iterable[EntryRow]) -> list[GroupProgress]:
    groups = OrderedDict()
    for row in rows:
        g = groups.setdefault(
            row["group"], GroupProgress(row["group"], row["group_title"], 0, 0, 0, 0, 0, 0)
        )
        g.total += 1
        if row["applicability"] == SoAEntry.Applicability.APPLICABLE:
            g.applicable += 1
            if row["implementation_status"] == SoAEntry.Implementation.IMPLEMENTED:
                g.implemented += 1
            elif row["implementation_status"] == SoAEntry.Implementation.PARTIAL:
                g.partial += 1
        elif row["applicability"] == SoAEntry.Applicability.EXCLUDED:
            g.excluded += 1
        else:
            g.undecided += 1
    return list(groups.values())


def overall_progress(groups: Iterable[GroupProgress]) -> GroupProgress:
    total = GroupProgress("", "All controls", 0, 0, 0, 0, 0, 0)
    for g in groups:
        for name in ("total", "applicable", "excluded", "undecided", "implemented", "partial"):
            setattr(total, name, getattr(total, name) + getattr(g, name))
    return total


def display_items(field: str, values: Iterable[Any]) -> list[str]:
    """The items of a list field as a reader sees them."""
    if field == "inclusion_reasons":
        return [REASON_LABELS.get(v, v) for v in values]
    return [str(v) for v in values]


def display(field: str, value: Any) -> str:
    if field == "applicability":
        return APPLICABILITY_LABELS.get(value, value)
    if field == "implementation_status":
        return IMPLEMENTATION_LABELS.get(value, value)
    if field == "inclusion_reasons":
        return "; ".join(REASON_LABELS.get(v, v) for v in value or []) or "—"
    if field == "exclusion_reasons":
        return "; ".join(EXCLUSION_LABELS.get(v, v) for v in value or []) or "—"
    if isinstance(value, list):
        return "; ".join(value)
    return value or "—"


def labelled(rows: Iterable[EntryRow]) -> list[EntryRow]:
    """Rows with display labels added, for templates and exports."""
    rows = [
        {
            **row,
            "applicability_label": display("applicability", row["applicability"]),
            "implementation_label": display("implementation_status", row["implementation_status"]),
            "inclusion_labels": [
                REASON_LABELS.get(v, v) for v in row.get("inclusion_reasons") or []
            ],
            # Revisions frozen before exclusion reasons existed have none recorded.
            "exclusion_labels": [
                EXCLUSION_LABELS.get(v, v) for v in row.get("exclusion_reasons") or []
            ],
        }
        for row in rows
    ]
    for row in rows:
        # The documents print one "Reasons" column: the service keeps reasons only for the
        # decision taken, so at most one of the two lists has any.
        row["reason_labels"] = row["inclusion_labels"] + row["exclusion_labels"]
    return rows


def snapshot_changes(older: list[EntryRow] | None, newer: list[EntryRow]) -> list[dict[str, Any]]:
    """What changed from ``older`` to ``newer`` (lists of entry dicts), per control and field."""
    before = {row["ref"]: row for row in older or []}
    changes = []
    for row in newer:
        previous = before.pop(row["ref"], None)
        if previous is None:
            changes.append(_change(row, "control", "—", "Added"))
            continue
        for field, label in COMPARED_FIELDS.items():
            # Revisions frozen before a field existed read it as empty.
            if (previous.get(field) or None) != (row.get(field) or None):
                old, new = previous.get(field), row.get(field)
                items = None
                if isinstance(old, list | type(None)) and isinstance(new, list):
                    items = list_diff(display_items(field, old or []), display_items(field, new))
                changes.append(_change(row, label, display(field, old), display(field, new), items))
    for row in before.values():
        changes.append(_change(row, "control", "Present", "Removed"))
    return changes


def _change(
    row: EntryRow, field: str, old: str, new: str, items: dict | None = None
) -> dict[str, Any]:
    return {
        "ref": row["ref"],
        "title": row["title"],
        "field": field,
        "old": old,
        "new": new,
        "items": items,
    }


# --- the SoA document's own fields (title, scope) --------------------------------------------

DOCUMENT_FIELDS = OrderedDict([("title", "Title"), ("scope", "Scope")])


def document_fields(soa: StatementOfApplicability) -> dict[str, str]:
    return {name: getattr(soa, name) for name in DOCUMENT_FIELDS}


def documents_at(moments: list[datetime]) -> list[dict[str, str]]:
    """The SoA's title and scope as they stood at each of ``moments``, from its history (one
    query). A revision's are those at its approval: they cannot change while in review."""
    soa = soa_document()
    if not moments:
        return []
    versions = list(
        StatementOfApplicability.history.filter(id=soa.pk, history_date__lte=max(moments))
        .order_by("history_date", "history_id")
        .values("history_date", *DOCUMENT_FIELDS)
    )
    found = []
    for moment in moments:
        before = [v for v in versions if v["history_date"] <= moment]
        found.append(
            {name: before[-1][name] for name in DOCUMENT_FIELDS} if before else document_fields(soa)
        )
    return found


def revision_document(revision: SoARevision) -> dict[str, str]:
    """Title and scope as approved in ``revision``."""
    return documents_at([revision.approved_at])[0]


def document_changes(older: dict[str, str] | None, newer: dict[str, str]) -> list[dict[str, str]]:
    """Changes of the SoA's own fields, in the form of ``snapshot_changes`` rows."""
    if not older:
        return []
    return [
        {
            "ref": "Document",
            "title": "",
            "field": label,
            "old": older[name] or "—",
            "new": newer[name] or "—",
        }
        for name, label in DOCUMENT_FIELDS.items()
        if (older[name] or "") != (newer[name] or "")
    ]


def revision_changes(older: SoARevision, newer: SoARevision) -> list[dict[str, Any]]:
    """What changed from revision ``older`` to revision ``newer``: title, scope, entries."""
    before, after = documents_at([older.approved_at, newer.approved_at])
    return [
        *document_changes(before, after),
        *snapshot_changes(older.entries, newer.entries),
    ]


def revisions() -> QuerySet[SoARevision]:
    return SoARevision.objects.select_related("approved_by", "submitted_by").defer("entries")


def latest_revision() -> SoARevision | None:
    return revisions().order_by("-number").first()


def revision(number: int) -> SoARevision:
    return SoARevision.objects.select_related("approved_by", "submitted_by").get(
        soa=soa_document(), number=number
    )


def document_settings() -> DocumentSettings:
    """The document settings, or their defaults (unsaved) until an administrator saves them."""
    return DocumentSettings.objects.order_by("pk").first() or DocumentSettings()


def evidence_documents() -> dict[str, list[dict]]:
    """Controlled documents per control ref (two queries): ID, title, version, status, file
    name and the SHA-256 of the file the portal holds."""
    through = ControlledDocument.controls.through
    documents = {
        d.pk: d
        for d in ControlledDocument.objects.only(
            "id", "ref", "title", "doc_version", "status", "file", "file_sha256"
        )
    }
    by_ref: dict[str, list[dict]] = {}
    for control_ref, document_id in through.objects.values_list(
        "control__ref", "controlleddocument_id"
    ).order_by("control__ref", "controlleddocument__ref"):
        document = documents[document_id]
        by_ref.setdefault(control_ref, []).append(
            {
                "ref": document.ref,
                "title": document.title,
                "version": document.doc_version,
                "status": document.get_status_display(),
                "file_name": document.file.name.rsplit("/", 1)[-1] if document.file else "",
                "sha256": document.file_sha256,
            }
        )
    return by_ref
