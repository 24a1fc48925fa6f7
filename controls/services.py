"""Controls write operations: catalogue records, SoA entries, the SoA approval workflow,
controlled documents and export requests.

Rules enforced here (on top of aims_portal.services: roles, optimistic locking, history):
- an SoA entry that is decided (applicable or excluded) needs a justification, for an
  inclusion as much as for an exclusion;
- an excluded control cannot claim an implementation status beyond "not started";
- an applicable control names at least one inclusion reason (risk treatment, legal or
  regulatory, contractual, good practice) beside its justification: refused when an edit
  sends none, and the SoA is not submitted while any applicable control lacks one; an
  excluded control keeps none (they are removed when it is excluded);
- likewise an excluded control names at least one exclusion reason (no assessed risk, outside
  the scope, carried out by a supplier or customer, covered elsewhere); an applicable or
  undecided control keeps none;
- entries cannot change while the SoA is in review; changing an entry of an approved SoA
  opens a new draft (through the workflow, so the history says why);
- an entry edit is one history version, its links to systems and risks included (the
  as-of view reads them from it);
- the SoA's own title and scope follow the entries' rules: only roles that may change
  controls edit them, never while in review, an edit of an approved SoA opens a new draft,
  a title is required, and the change appears in the next revision's change list;
- the SoA can be submitted only when every entry is decided and justified and something
  (entries, title or scope) changed since the last revision; approving it is four-eyes
  (not the submitter) and freezes a numbered revision with the approver, the date and the
  changes since the previous revision;
- a controlled document is edited only as a draft, approved four-eyes, and its approval
  records approver and date; a file upload stores the file's SHA-256;
- the document settings (organisation, logo, SoA document ID, classification,
  distribution) are changed by administrators only; a logo is a PNG or JPEG of at most
  1 MB;
- exports need the export grant; a revision export prints the frozen revision, never the
  current entries; an export is a background job (aims_portal.jobs: refused at once when
  the broker is down, failed past its deadline) and only a failed one is tried again;
- the documented-information list is a PDF only, rendered by a background job as well
  (aims_portal.document_jobs), never inside the request that asks for it.
"""

import hashlib
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from aims_portal import document_jobs, jobs, roles
from aims_portal import services as records
from aims_portal.models import User
from aims_portal.uploads import upload_name_problem

from . import documented_information, selectors
from .catalogue import soa_document, sort_key
from .models import (
    Control,
    ControlledDocument,
    DocumentExport,
    DocumentSettings,
    ExclusionReason,
    InclusionReason,
    InformationListExport,
    Requirement,
    SoAEntry,
    SoARevision,
    StatementOfApplicability,
)
from .workflows import DOCUMENT_WORKFLOW, SOA_WORKFLOW

# --- catalogue --------------------------------------------------------------------------------


def _check_control(data: dict) -> None:
    ref = data.get("ref", "")
    if ref and not ref.replace(".", "").replace("-", "").isalnum():
        raise ValidationError({"ref": "Use letters, digits, dots and dashes only, e.g. X.1.2."})


def control_create(*, actor: User, data: dict) -> Control:
    """An additional control (beyond Annex A), with its SoA entry."""
    _check_control(data)
    data = {**data, "sort_key": sort_key(data.get("ref", ""))}
    with transaction.atomic():
        control = records.record_create(Control, actor=actor, data=data)
        records.record_create(SoAEntry, actor=actor, data={"control": control})
    return control


def control_update(
    control: Control,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Control:
    _check_control(data)
    if "ref" in data:
        data = {**data, "sort_key": sort_key(data["ref"])}
    return records.record_update(
        control, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


REQUIREMENT_STATE = ("status", "owner", "evidence", "last_reviewed")


def check_requirement(values: dict[str, Any]) -> dict[str, str]:
    """Problems with a requirement's compliance values (field -> value), field -> message."""
    errors = {}
    status = values.get("status") or Requirement.Status.NOT_STARTED
    if status != Requirement.Status.NOT_STARTED and not values.get("owner"):
        errors["owner"] = "Name the owner who answers for this requirement before planning it."
    if status == Requirement.Status.MET:
        if not values.get("last_reviewed"):
            errors["last_reviewed"] = "Give the date the requirement was last reviewed as met."
        if not values.get("evidence") and not values.get("has_evidence_items"):
            errors["evidence"] = (
                "A requirement is met only with evidence: add a reference (document ID, page or "
                "URL) or attach an evidence item first."
            )
    reviewed = values.get("last_reviewed")
    if reviewed and reviewed > timezone.localdate():
        errors["last_reviewed"] = "The last review cannot be in the future."
    return errors


def _clean_evidence(data: dict) -> dict:
    if "evidence" in data:
        return {**data, "evidence": [e.strip() for e in data["evidence"] or () if e and e.strip()]}
    return data


def requirement_create(*, actor: User, data: dict) -> Requirement:
    data = _clean_evidence({**data, "sort_key": sort_key(data.get("ref", ""))})
    errors = check_requirement(data)
    if errors:
        raise ValidationError(errors)
    return records.record_create(Requirement, actor=actor, data=data)


def requirement_update(
    requirement: Requirement,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> Requirement:
    """Rules: a requirement past "not started" has an owner; "met" needs evidence (a
    reference or an attached evidence item) and a review date not in the future."""
    if "ref" in data:
        data = {**data, "sort_key": sort_key(data["ref"])}
    data = _clean_evidence(data)
    current = Requirement.objects.get(pk=requirement.pk)
    values = {f: data.get(f, getattr(current, f)) for f in REQUIREMENT_STATE}
    values["has_evidence_items"] = current.evidence_items.exists()
    errors = check_requirement(values)
    if errors:
        raise ValidationError(errors)
    return records.record_update(
        requirement, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


# --- SoA entries ------------------------------------------------------------------------------


def check_entry(values: dict[str, Any]) -> dict[str, str]:
    """Problems with an entry's values (dict of field -> value), as a field -> message dict."""
    errors = {}
    applicability = values.get("applicability")
    if (
        applicability != SoAEntry.Applicability.UNDECIDED
        and not (values.get("justification") or "").strip()
    ):
        word = "includes" if applicability == SoAEntry.Applicability.APPLICABLE else "excludes"
        errors["justification"] = f"Say why the SoA {word} this control."
    if applicability == SoAEntry.Applicability.EXCLUDED and values.get(
        "implementation_status"
    ) not in (None, SoAEntry.Implementation.NOT_STARTED):
        errors["implementation_status"] = (
            "An excluded control is not implemented under the AIMS; set it to “Not started” "
            "or include the control."
        )
    return errors


# Each reason list an entry carries: the data key, its model, the applicability it belongs to
# and what a missing one says.
REASON_LISTS = {
    "inclusion_reasons": (
        InclusionReason,
        SoAEntry.Applicability.APPLICABLE,
        "inclusion",
        "Choose at least one reason for including this control: risk treatment, "
        "a legal, regulatory or contractual requirement, or good practice.",
    ),
    "exclusion_reasons": (
        ExclusionReason,
        SoAEntry.Applicability.EXCLUDED,
        "exclusion",
        "Choose at least one reason for excluding this control: no assessed risk calls for "
        "it, the activity is outside the scope, a supplier or customer carries it out, or "
        "another control covers it.",
    ),
}


def _clean_reasons(key: str, reasons: Any) -> list[str]:
    model, _, word, _ = REASON_LISTS[key]
    if isinstance(reasons, str) or not isinstance(reasons, list | tuple):
        raise ValidationError({key: f"Send the {word} reasons as a list."})
    reasons = list(dict.fromkeys(reasons))
    unknown = [r for r in reasons if r not in model.Reason.values]
    if unknown:
        raise ValidationError({key: f"Unknown {word} reason: {', '.join(map(str, unknown))}."})
    return sorted(reasons)


def soa_entry_update(
    entry: SoAEntry,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> SoAEntry:
    """Save an entry's fields and, when ``data`` has ``inclusion_reasons`` or
    ``exclusion_reasons`` (lists of ``InclusionReason.Reason`` / ``ExclusionReason.Reason``
    values), those reasons, as one change."""
    current = SoAEntry.objects.get(pk=entry.pk)
    values = {
        f: data.get(f, getattr(current, f))
        for f in ("applicability", "justification", "implementation_status")
    }
    errors = check_entry(values)
    data = dict(data)
    chosen = {}
    for key, (_, applicability, _, missing) in REASON_LISTS.items():
        if key in data:
            chosen[key] = _clean_reasons(key, data.pop(key) or [])
            if values["applicability"] == applicability and not chosen[key]:
                errors[key] = missing
        if values["applicability"] != applicability:
            chosen[key] = []  # reasons belong to the one decision they explain
    if errors:
        raise ValidationError(errors)
    if "evidence" in data:
        data = {**data, "evidence": [e.strip() for e in data["evidence"] if e and e.strip()]}
    with transaction.atomic():
        soa = _soa_open_for_change("entries")
        entry = records.record_update(
            entry, actor=actor, data=data, expected_version=expected_version, reason=reason
        )
        for key, reasons in chosen.items():
            _set_reasons(REASON_LISTS[key][0], entry, reasons, actor=actor, reason=reason)
        if soa.status == StatementOfApplicability.Status.APPROVED:
            SOA_WORKFLOW.run(
                soa, "reopen", actor=actor, reason=f"{entry.control.ref} changed: {reason}"
            )
    return entry


def _set_reasons(
    model: type[InclusionReason] | type[ExclusionReason],
    entry: SoAEntry,
    reasons: list[str],
    *,
    actor: User,
    reason: str,
) -> None:
    have = {r.reason: r for r in model.objects.filter(entry=entry)}
    for code, row in have.items():
        if code not in reasons:
            records.tracked_delete(row, actor, reason)
    for code in reasons:
        if code not in have:
            records.tracked_save(model(entry=entry, reason=code), actor, reason)


def _soa_open_for_change(what: str) -> StatementOfApplicability:
    """The SoA, locked; refused while it is in review."""
    soa = StatementOfApplicability.objects.select_for_update().get(pk=soa_document().pk)
    if soa.status == StatementOfApplicability.Status.IN_REVIEW:
        raise ValidationError(
            f"The SoA is in review: an approver must approve or return it before {what} change."
        )
    return soa


def soa_entry_create(*, actor: User, data: dict) -> NoReturn:
    raise ValidationError(
        "SoA entries are created with their control: add a control to the catalogue instead."
    )


# --- the SoA document ------------------------------------------------------------------------


SCOPE_MAX_LENGTH = 5000


def soa_document_update(
    soa: StatementOfApplicability,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> StatementOfApplicability:
    """Change the SoA's own fields (title, scope) under the same rules as its entries."""
    data = {f: (data[f] or "").strip() for f in selectors.DOCUMENT_FIELDS if f in data}
    if "title" in data and not data["title"]:
        raise ValidationError({"title": "Give the SoA a title: the PDF cover and pages print it."})
    if len(data.get("scope", "")) > SCOPE_MAX_LENGTH:
        raise ValidationError(
            {"scope": f"Keep the scope to {SCOPE_MAX_LENGTH:,} characters; link longer texts."}
        )
    roles.require(actor, "change", StatementOfApplicability.area, soa)
    with transaction.atomic():
        current = _soa_open_for_change("its title and scope")
        if all(getattr(current, f) == v for f, v in data.items()):
            raise ValidationError("Nothing to save: the title and scope are as they were.")
        was_approved = current.status == StatementOfApplicability.Status.APPROVED
        soa = records.record_update(
            current, actor=actor, data=data, expected_version=expected_version, reason=reason
        )
        if was_approved:
            soa = SOA_WORKFLOW.run(
                soa, "reopen", actor=actor, reason=f"Title or scope changed: {reason.strip()}"
            )
    return soa


@transaction.atomic
def soa_transition(
    soa: StatementOfApplicability,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> StatementOfApplicability:
    """Take an SoA workflow step; approving freezes the next numbered revision."""
    changes = {}
    if name == "submit":
        changes = {"submitted_by": actor, "submitted_at": timezone.now()}
    soa = SOA_WORKFLOW.run(
        soa, name, actor=actor, reason=reason, expected_version=expected_version, changes=changes
    )
    if name == "approve":
        soa_revision_freeze(soa, actor=actor, note=reason)
    return soa


def soa_revision_freeze(
    soa: StatementOfApplicability, *, actor: User, note: str = ""
) -> SoARevision:
    previous = SoARevision.objects.filter(soa=soa).order_by("-number").first()
    rows = selectors.current_snapshot()
    revision = SoARevision(
        soa=soa,
        number=(previous.number + 1) if previous else 1,
        approved_by=actor,
        approved_at=timezone.now(),
        submitted_by=soa.submitted_by,
        approval_note=note,
        entries=rows,
        changes=[
            *selectors.document_changes(
                previous and selectors.revision_document(previous), selectors.document_fields(soa)
            ),
            *selectors.snapshot_changes(previous.entries if previous else [], rows),
        ],
    )
    return records.tracked_save(revision, actor, f"SoA approved as revision {revision.number}")


# --- controlled documents ---------------------------------------------------------------------


def _check_document(data: dict) -> None:
    if data.get("review_date") and data["review_date"] < timezone.localdate():
        raise ValidationError({"review_date": "The next review date is in the past."})
    information = data.get("information") or ""
    if information and information not in documented_information.item_keys():
        raise ValidationError(
            {"information": "Choose an item of the documented-information list, or none."}
        )


def document_create(*, actor: User, data: dict) -> ControlledDocument:
    _check_document(data)
    return records.record_create(ControlledDocument, actor=actor, data=data)


def document_update(
    document: ControlledDocument,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> ControlledDocument:
    current = ControlledDocument.objects.get(pk=document.pk)
    if current.status != ControlledDocument.Status.DRAFT:
        raise ValidationError(
            f"{current} is {current.get_status_display().lower()}: start a new draft to change it."
        )
    _check_document(data)
    return records.record_update(
        document, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def document_attach_file(
    document: ControlledDocument,
    *,
    actor: User,
    upload: UploadedFile,
    expected_version: int | str | None,
    reason: str,
) -> ControlledDocument:
    """Store a new file for a draft document, with its SHA-256 in the record's history."""
    if problem := upload_name_problem(upload.name):
        raise ValidationError({"file": problem})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return document_update(
        document,
        actor=actor,
        data={"file": upload, "file_sha256": digest.hexdigest()},
        expected_version=expected_version,
        reason=reason,
    )


def document_transition(
    document: ControlledDocument,
    name: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | str | None = None,
) -> ControlledDocument:
    changes = {}
    if name == "submit":
        changes = {"submitted_by": actor}
    elif name == "approve":
        changes = {"approved_by": actor, "approved_at": timezone.now()}
    return DOCUMENT_WORKFLOW.run(
        document,
        name,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        changes=changes,
    )


# --- exports ----------------------------------------------------------------------------------


def export_request(*, actor: User, fmt: str, revision: SoARevision | None = None) -> DocumentExport:
    """Record an export job and start it (inline when there is no Celery broker).

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    roles.require(actor, "export", "controls")
    if fmt not in DocumentExport.Format.values:
        raise ValidationError(
            {"format": f"Unknown export format “{fmt}”: use pdf, docx, csv or xlsx."}
        )
    job = DocumentExport(
        format=fmt, revision=revision, requested_by=actor, deadline=jobs.queue_deadline()
    )
    records.tracked_save(job, actor, "Export requested")
    from .tasks import render_export

    jobs.enqueue(job, render_export)
    return job


def export_retry(job: DocumentExport, *, actor: User) -> DocumentExport:
    """Request a failed export again, as a new job with the same format and revision."""
    if job.status != DocumentExport.Status.FAILED:
        raise ValidationError("Only a failed export can be tried again.")
    return export_request(actor=actor, fmt=job.format, revision=job.revision)


def information_list_export_request(*, actor: User, fmt: str = "pdf") -> InformationListExport:
    """Record a job rendering the documented-information list as a PDF and start it.

    Raises ``aims_portal.jobs.QueueUnavailable`` when the broker cannot take it; the job is
    then already marked failed with the reason.
    """
    from .tasks import render_information_list

    roles.require(actor, "export", "controls")
    if fmt != InformationListExport.Format.PDF:
        raise ValidationError(
            {"format": f"Unknown format “{fmt}”: the documented-information list is a PDF."}
        )
    job = InformationListExport(format=fmt)
    return document_jobs.document_request(job, actor=actor, task=render_information_list)


def information_list_export_retry(
    job: InformationListExport, *, actor: User
) -> InformationListExport:
    """Request a failed list again, as a new job."""
    from .tasks import render_information_list

    return document_jobs.document_retry(job, actor=actor, task=render_information_list)


# --- document settings -------------------------------------------------------------------------

LOGO_MAX_BYTES = 1024 * 1024
LOGO_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def _check_logo(upload: UploadedFile) -> None:
    if problem := upload_name_problem(upload.name):
        raise ValidationError({"logo": problem})
    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError({"logo": "The logo is larger than 1 MB: use a smaller image."})
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(LOGO_SIGNATURES):
        raise ValidationError({"logo": "Upload the logo as a PNG or JPEG image."})


def document_settings_update(
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None = None,
    reason: str = "Updated",
) -> DocumentSettings:
    """Create or change the one row of document settings (administrators only)."""
    roles.require(actor, "change", DocumentSettings.area)
    data = dict(data)
    if data.get("logo"):
        _check_logo(data["logo"])
    else:
        data.pop("logo", None)
    for name in ("organisation_name", "soa_document_id"):
        if name in data and not (data[name] or "").strip():
            raise ValidationError({name: "This is printed on every document: fill it in."})
    with transaction.atomic():
        current = DocumentSettings.objects.select_for_update().order_by("pk").first()
        if current is None:
            settings_row = DocumentSettings(**data)
            return records.tracked_save(settings_row, actor, reason or "Created")
        return records.record_update(
            current, actor=actor, data=data, expected_version=expected_version, reason=reason
        )
