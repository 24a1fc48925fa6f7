"""Evidence items: files with their SHA-256, links and portal-record pointers."""

import hashlib
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import Resolver404, resolve

from aims_portal import roles
from aims_portal import services as records
from aims_portal.models import TrackedModel, User
from aims_portal.uploads import upload_name_problem

from ..models import EvidenceItem
from ..models.evidence import TARGETS
from ._common import AREA

# --- evidence ---------------------------------------------------------------------------------

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Extension -> leading bytes the file must start with (None: no signature to check).
DEFAULT_TYPES = {
    ".pdf": b"%PDF-",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".txt": None,
    ".csv": None,
    ".md": None,
    ".json": None,
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
}


def upload_limits() -> tuple[int, dict[str, bytes | None]]:
    """(max bytes, {extension: signature}): settings may override the defaults."""
    return (
        getattr(settings, "AUDITS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES),
        getattr(settings, "AUDITS_EVIDENCE_TYPES", DEFAULT_TYPES),
    )


def check_upload(upload: UploadedFile | None) -> None:
    """Refuse a file that is too big, of a type not allowed, or not what its name says."""
    max_bytes, types = upload_limits()
    if upload is None:
        raise ValidationError({"file": "Choose the file to upload."})
    if problem := upload_name_problem(upload.name):
        raise ValidationError({"file": problem})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > max_bytes:
        raise ValidationError(
            {
                "file": f"The file is {upload.size / 1048576:.1f} MB; evidence files may be at "
                f"most {max_bytes / 1048576:.0f} MB."
            }
        )
    extension = Path(upload.name or "").suffix.lower()
    if extension not in types:
        allowed = ", ".join(sorted(types))
        raise ValidationError(
            {"file": f"Files of type “{extension or 'none'}” are not accepted. Allowed: {allowed}."}
        )
    signature = types[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if signature and not head.startswith(signature):
        raise ValidationError(
            {
                "file": f"The file's content is not a {extension[1:].upper()} file, "
                "whatever its name says."
            }
        )


def file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def resolve_portal_record(link: str | None, actor: User) -> tuple[TrackedModel, ContentType]:
    """The record a portal page address points to: (record, content type), or a field error."""
    path = urlparse((link or "").strip()).path
    problem = ValidationError(
        {
            "record_link": "Paste the address of a record's page in this portal, "
            "e.g. /inventory/systems/3/."
        }
    )
    try:
        match = resolve(path)
    except Resolver404:
        raise problem from None
    record_type = getattr(match.func, "view_initkwargs", {}).get("record_type")
    pk = match.kwargs.get("pk")
    if record_type is None or pk is None:
        raise problem
    record = record_type.model.objects.filter(pk=pk).first()
    if record is None:
        raise ValidationError({"record_link": "No record exists at that address."})
    if not roles.can(actor, "view", record_type.area):
        raise ValidationError({"record_link": "You cannot see that record, so you cannot cite it."})
    return record, ContentType.objects.get_for_model(record_type.model)


def _target(data: dict) -> tuple[str, TrackedModel]:
    chosen = [name for name in TARGETS if data.get(name)]
    if len(chosen) != 1:
        raise ValidationError(
            "Attach the evidence to exactly one checklist line, finding, corrective action, "
            "SoA entry, impact assessment or clause requirement."
        )
    name = chosen[0]
    target = data[name]
    if name == "checklist_line" and not target.audit.is_open:
        raise ValidationError(
            {
                name: f"{target.audit.reference} is {target.audit.get_status_display().lower()}: "
                "its checklist is frozen."
            }
        )
    return name, target


def evidence_may_add(
    actor: User, target_name: str | None = None, target: TrackedModel | None = None
) -> bool:
    """Whoever may create audit records may attach evidence; the owner of a corrective
    action may also attach evidence to that action (the proof that it was done)."""
    if roles.can(actor, "create", AREA):
        return True
    return (
        target_name == "corrective_action"
        and target is not None
        and roles.can(actor, "change", AREA, target)
    )


@transaction.atomic
def evidence_add(*, actor: User, data: dict) -> EvidenceItem:
    """File, link or portal-record pointer; everything is checked before a byte is stored."""
    data = dict(data)
    if not roles.can(actor, "create", AREA):
        # Only a corrective action's owner gets past this without the create grant.
        chosen = [name for name in TARGETS if data.get(name)]
        target = data[chosen[0]] if len(chosen) == 1 else None
        if not evidence_may_add(actor, chosen[0] if chosen else None, target):
            roles.require(actor, "create", AREA)
    name, target = _target(data)
    kind = data.get("kind")
    upload = data.pop("upload", None)
    link = data.pop("record_link", "")
    values = {
        "kind": kind,
        "title": (data.get("title") or "").strip(),
        "description": data.get("description", ""),
        name: target,
        "attached_to": f"{target._meta.verbose_name}: {target}"[:300],
        "added_by": actor,
    }
    if not values["title"]:
        raise ValidationError({"title": "Give the evidence a title."})
    if kind == EvidenceItem.Kind.FILE:
        check_upload(upload)
        values.update(
            file=upload,
            file_name=Path(upload.name).name[:255],
            file_size=upload.size,
            sha256=file_digest(upload),
        )
    elif kind == EvidenceItem.Kind.LINK:
        if not data.get("url"):
            raise ValidationError({"url": "Give the link to the evidence."})
        values["url"] = data["url"]
    elif kind == EvidenceItem.Kind.RECORD:
        record, content_type = resolve_portal_record(link, actor)
        values.update(
            record_type=content_type,
            record_id=record.pk,
            record_label=str(record)[:300],
            record_url=record.get_absolute_url(),
        )
    else:
        raise ValidationError({"kind": "Choose a file, a link or a portal record."})
    return records.record_create(
        EvidenceItem,
        actor=actor,
        data=values,
        reason="Evidence added",
        permitted_by=evidence_may_add if not roles.can(actor, "create", AREA) else None,
    )


def evidence_create(*, actor: User, data: dict) -> EvidenceItem:
    return evidence_add(actor=actor, data=data)


def evidence_update(
    item: EvidenceItem,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> EvidenceItem:
    current = EvidenceItem.objects.get(pk=item.pk)
    if current.retired_at:
        raise ValidationError(f"“{current}” is withdrawn and can no longer be changed.")
    allowed = {"title", "description"} | ({"url"} if current.kind == "link" else set())
    data = {k: v for k, v in data.items() if k in allowed}
    if "url" in data and not data["url"]:
        raise ValidationError({"url": "Give the link to the evidence."})
    return records.record_update(
        current, actor=actor, data=data, expected_version=expected_version, reason=reason
    )


def evidence_retire(item: EvidenceItem, *, actor: User, reason: str) -> EvidenceItem:
    return records.record_retire(item, actor=actor, reason=reason)
