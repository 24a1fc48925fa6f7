"""Services of the attestation API: registering AI outputs and managing the tokens that may.

Rules enforced here (the API, the pages and the benchmark all call these functions):
- only an active attestation token registers attestations, and only for its own AI system:
  an item naming another system is refused (PermissionDenied), a whole batch with it;
- each item names the system (its ID/slug), a model version of that system (``model_version``
  = its database id, or ``model_version_label``), the SHA-256 of the input and of the
  output (64 hex digits, stored lower-case), a decision from ``Attestation.Decision``,
  optional ``metadata`` (a JSON object of at most 4 KiB once canonical, nested at most 5
  deep, numbers exact enough to hash the same in every database) and optional
  ``occurred_at`` (ISO 8601 with a time zone; default: now);
- the model version must have been in use when the output was produced (5 minutes of clock
  skew allowed either way), and ``occurred_at`` cannot lie in the future;
- a batch holds 1 to 1,000 items and is atomic: one bad item refuses the batch with every
  problem named by index and field, and nothing is written;
- registered attestations enter the integrity ledger in the same transaction, under one
  ledger lock per batch, and are never updated or deleted; each answer carries a receipt
  signed by the ledger key (integrity.receipts);
- a POST with an ``Idempotency-Key`` registers at most once per (token, key): a retry gets
  the first answer back, a reuse of the key for another request is refused
  (``attestations_register_once``);
- only administrators ("create"/"delete" in the administration area) create and revoke
  tokens; the key is returned once and only its SHA-256 is stored; a retired system gets no
  new token; revoking needs a reason. (Outputs of a retired system that still arrive on an
  existing token are accepted: they are evidence that it still runs.)
"""

import datetime
import hashlib
import math
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from aims_portal import roles
from aims_portal.services import tracked_save
from registry.models import AISystem, ModelVersion

from . import bulk as ledger_bulk
from . import receipts
from .labels import ledger_label
from .models import Attestation, AttestationIdempotencyKey, AttestationToken, LedgerEntry
from .verify_bundle import canonical_json

MAX_BATCH = 1000
MAX_METADATA_BYTES = 4096
MAX_METADATA_DEPTH = 5
# The largest batch body accepted: MAX_BATCH items, each with room for its metadata twice
# over (escapes and spacing as sent, before canonical form) and 1 KiB for the other fields.
MAX_BATCH_BODY_BYTES = MAX_BATCH * (2 * MAX_METADATA_BYTES + 1024)
# JSON numbers kept exact by every database the portal runs on (jsonb rewrites 1e16 as an
# integer, which would change the row's hash): integers up to 2**53, other numbers below 1e15.
MAX_EXACT_INT = 2**53
MAX_FLOAT = 1e15
CLOCK_SKEW = datetime.timedelta(minutes=5)
KEY_PREFIX = "aims_att_"
LAST_USED_EVERY = datetime.timedelta(minutes=1)

SHA256 = re.compile(r"[0-9a-fA-F]{64}")
FIELDS = {
    "system",
    "model_version",
    "model_version_label",
    "input_sha256",
    "output_sha256",
    "decision",
    "metadata",
    "occurred_at",
}


class AttestationsRejected(Exception):
    """A batch (or a single attestation) was refused; ``problems`` name each reason as
    {"index", "field", "message"}. Nothing was written."""

    def __init__(self, problems):
        self.problems = problems
        first = problems[0]
        super().__init__(f"Item {first['index']}, {first['field']}: {first['message']}")


@dataclass(frozen=True)
class Registered:
    attestation: Attestation
    sequence: int
    entry_hash: str
    receipt: dict


# --- tokens ----------------------------------------------------------------------------------


def key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def attestation_token_create(*, actor, system, name):
    """A new token for ``system``; returns (token, key). The key is not kept anywhere."""
    roles.require(actor, "create", "administration")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the gateway or job that will use this token."})
    if system.stage == AISystem.Stage.RETIRED:
        raise ValidationError(f"{system} is retired: it needs no new attestation token.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = AttestationToken(
        system=system,
        name=name[:100],
        key_prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=key_hash(key),
        created_by=actor,
    )
    return tracked_save(token, actor, "Attestation token created"), key


@transaction.atomic
def attestation_token_revoke(token, *, actor, reason):
    roles.require(actor, "delete", "administration")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the token is revoked."})
    current = AttestationToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None:
        raise ValidationError(f"{current} was already revoked.")
    current.revoked_at = timezone.now()
    current.revoked_by = actor
    current.revoke_reason = reason[:500]
    current.version += 1
    return tracked_save(current, actor, f"Revoked: {reason[:450]}")


def attestation_token_authenticate(key):
    """The active token with this key; raises PermissionDenied saying why there is none."""
    token = AttestationToken.objects.select_related("system").filter(key_hash=key_hash(key)).first()
    if token is None:
        raise PermissionDenied("Unknown attestation token.")
    if token.revoked_at is not None:
        when = timezone.localtime(token.revoked_at).strftime("%d %b %Y %H:%M")
        raise PermissionDenied(f"This attestation token was revoked on {when}.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        # A plain UPDATE: using a token is not a change of the record, so no history row.
        AttestationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- validation ------------------------------------------------------------------------------


def _problem(index, field, message):
    return {"index": index, "field": field, "message": message}


def _check_json(value, depth=1):
    """Why ``value`` cannot be stored as metadata, or None."""
    if depth > MAX_METADATA_DEPTH:
        return f"is nested more than {MAX_METADATA_DEPTH} levels deep"
    if isinstance(value, dict):
        if any("\x00" in key for key in value):
            return "holds a key with a NUL character"
        for item in value.values():
            if why := _check_json(item, depth + 1):
                return why
    elif isinstance(value, list):
        for item in value:
            if why := _check_json(item, depth + 1):
                return why
    elif isinstance(value, bool) or value is None:
        return None
    elif isinstance(value, int):
        if abs(value) > MAX_EXACT_INT:
            return "holds an integer beyond 2**53; send it as a string"
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= MAX_FLOAT:
            return "holds a number too large to keep exactly; send it as a string"
        if value == 0 and math.copysign(1, value) < 0:
            return "holds -0.0, which PostgreSQL keeps as 0; send 0"
    elif isinstance(value, str):
        if "\x00" in value:
            return "holds a NUL character"
    else:
        return "holds a value that is not JSON"
    return None


def _metadata(index, value, problems):
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(_problem(index, "metadata", "Must be a JSON object."))
        return None
    if why := _check_json(value):
        problems.append(_problem(index, "metadata", f"The metadata {why}."))
        return None
    try:
        size = len(canonical_json(value))
    except (UnicodeEncodeError, ValueError):
        problems.append(_problem(index, "metadata", "The metadata is not valid UTF-8 JSON."))
        return None
    if size > MAX_METADATA_BYTES:
        problems.append(
            _problem(
                index,
                "metadata",
                f"The metadata takes {size} bytes; at most {MAX_METADATA_BYTES} are kept.",
            )
        )
        return None
    return value


def _occurred_at(index, value, now, problems):
    if value in (None, ""):
        return now
    moment = value if isinstance(value, datetime.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None:
        problems.append(_problem(index, "occurred_at", "Give an ISO 8601 date and time."))
        return None
    if timezone.is_naive(moment):
        problems.append(
            _problem(index, "occurred_at", "Give the time zone, e.g. 2026-11-23T10:15:00Z.")
        )
        return None
    if moment > now + CLOCK_SKEW:
        problems.append(_problem(index, "occurred_at", "This time is in the future."))
        return None
    return moment


def _hash(index, item, field, problems):
    value = item.get(field)
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        problems.append(
            _problem(index, field, "Must be a SHA-256 digest: 64 hexadecimal characters.")
        )
        return None
    return value.lower()


DECISIONS = set(Attestation.Decision.values)


def _parse(index, item, token, now, problems):
    """The cleaned fields of one item (model version still as a reference), or None."""
    if not isinstance(item, dict):
        problems.append(_problem(index, "non_field_errors", "Each attestation is a JSON object."))
        return None
    before = len(problems)
    for field in sorted(set(item) - FIELDS):
        problems.append(_problem(index, field, "Unknown field."))
    system = item.get("system")
    if not isinstance(system, str) or not system:
        problems.append(_problem(index, "system", "Give the AI system's ID (slug)."))
    elif system != token.system.slug:
        raise PermissionDenied(
            f"Item {index}: this token registers attestations for {token.system.slug} "
            f"only, not for {system}. Nothing was registered."
        )
    version_id, label = item.get("model_version"), item.get("model_version_label")
    if (version_id is None) == (label is None):
        problems.append(
            _problem(
                index, "model_version", "Give either model_version (id) or model_version_label."
            )
        )
    elif version_id is not None and (type(version_id) is not int or version_id < 1):
        problems.append(_problem(index, "model_version", "Must be a model version id."))
    elif label is not None and (not isinstance(label, str) or not label.strip()):
        problems.append(_problem(index, "model_version_label", "Must be a version label."))
    digests = {f: _hash(index, item, f, problems) for f in ("input_sha256", "output_sha256")}
    decision = item.get("decision")
    if decision not in DECISIONS:
        problems.append(
            _problem(index, "decision", f"Must be one of: {', '.join(sorted(DECISIONS))}.")
        )
    metadata = _metadata(index, item.get("metadata"), problems)
    occurred = _occurred_at(index, item.get("occurred_at"), now, problems)
    if len(problems) > before:
        return None
    return {
        "version_ref": ("id", version_id) if version_id is not None else ("label", label.strip()),
        **digests,
        "decision": decision,
        "metadata": metadata,
        "occurred_at": occurred,
    }


def _versions(system, parsed):
    """{("id", n) or ("label", text): [ModelVersion, ...]} for the references in ``parsed``;
    one query."""
    ids = {p["version_ref"][1] for p in parsed if p and p["version_ref"][0] == "id"}
    labels = {p["version_ref"][1] for p in parsed if p and p["version_ref"][0] == "label"}
    found = {}
    if not ids and not labels:
        return found
    versions = ModelVersion.objects.filter(system=system).only(
        "id", "label", "system_id", "deployed_at", "superseded_at"
    )
    for version in versions.filter(Q(pk__in=ids) | Q(label__in=labels)):
        if version.pk in ids:
            found.setdefault(("id", version.pk), []).append(version)
        if version.label in labels:
            found.setdefault(("label", version.label), []).append(version)
    return found


def _in_use(version, moment):
    started = version.deployed_at - CLOCK_SKEW
    ended = version.superseded_at + CLOCK_SKEW if version.superseded_at else None
    return started <= moment and (ended is None or moment <= ended)


def _resolve_version(index, fields, system, versions, problems):
    kind, ref = fields["version_ref"]
    field = "model_version" if kind == "id" else "model_version_label"
    matches = versions.get((kind, ref), [])
    if not matches:
        problems.append(_problem(index, field, f"{system.slug} has no model version {ref!r}."))
        return None
    if len(matches) > 1:
        problems.append(
            _problem(
                index,
                field,
                f"{system.slug} has several model versions labelled {ref!r}: "
                "send model_version (the id) instead.",
            )
        )
        return None
    version = matches[0]
    if not _in_use(version, fields["occurred_at"]):
        until = f" until {version.superseded_at:%Y-%m-%d %H:%M}" if version.superseded_at else ""
        problems.append(
            _problem(
                index,
                field,
                f"Model version {version.label} was not in use at "
                f"{fields['occurred_at']:%Y-%m-%d %H:%M}: it ran from "
                f"{version.deployed_at:%Y-%m-%d %H:%M}{until} (UTC).",
            )
        )
        return None
    return version


# --- registration ----------------------------------------------------------------------------


def attestations_register(*, token, items):
    """Register ``items`` (a list of dicts as the API receives them) for ``token``'s system,
    all or nothing; returns [Registered] in the order of ``items``.

    Raises AttestationsRejected (every problem, by index and field) or PermissionDenied
    (an item for another system, or a revoked token).
    """
    if not isinstance(items, list) or not items:
        raise AttestationsRejected([_problem(None, "attestations", "Send a non-empty list.")])
    if len(items) > MAX_BATCH:
        raise AttestationsRejected(
            [
                _problem(
                    None,
                    "attestations",
                    f"{len(items)} items: a batch holds at most {MAX_BATCH}.",
                )
            ]
        )
    if token.revoked_at is not None:
        raise PermissionDenied("This attestation token was revoked.")
    system = token.system
    now = timezone.now()
    problems = []
    parsed = [_parse(i, item, token, now, problems) for i, item in enumerate(items)]
    versions = _versions(system, parsed)
    rows = []
    for index, fields in enumerate(parsed):
        if fields is None:
            continue
        version = _resolve_version(index, fields, system, versions, problems)
        if version is None:
            continue
        rows.append(_attestation(system, version, token, fields, now))
    if problems:
        raise AttestationsRejected(sorted(problems, key=lambda p: p["index"]))
    with transaction.atomic():
        positions, hashed = ledger_bulk.insert_and_append(LedgerEntry.Kind.ATTESTATION, rows)
        signed = receipts.receipts_build(
            LedgerEntry.Kind.ATTESTATION,
            rows,
            positions,
            [_subject(a) for a in rows],
            hashed=hashed,
        )
    return [
        Registered(attestation, sequence, entry, receipt)
        for attestation, (sequence, entry), receipt in zip(rows, positions, signed, strict=True)
    ]


_SYSTEM = Attestation._meta.get_field("system")
_MODEL_VERSION = Attestation._meta.get_field("model_version")
_TOKEN = Attestation._meta.get_field("token")


def _attestation(system, version, token, fields, now):
    """An unsaved attestation with its related objects cached (a batch builds 1,000 of them:
    ids and caches are set directly rather than through the relation descriptors)."""
    attestation = Attestation(
        system_id=system.pk,
        model_version_id=version.pk,
        input_sha256=fields["input_sha256"],
        output_sha256=fields["output_sha256"],
        decision=fields["decision"],
        metadata=fields["metadata"],
        occurred_at=fields["occurred_at"],
        recorded_at=now,
        token_id=token.pk,
    )
    _SYSTEM.set_cached_value(attestation, system)
    _MODEL_VERSION.set_cached_value(attestation, version)
    _TOKEN.set_cached_value(attestation, token)
    return attestation


def _subject(attestation):
    return receipts.ReceiptSubject(
        time=attestation.recorded_at,
        system=attestation.system.slug,
        model_version=attestation.model_version.label,
    )


def attestation_receipt(attestation: Attestation) -> dict | None:
    """The signed receipt of a registered attestation, as the gateway received it (the
    signature is deterministic); None if no ledger entry covers it."""
    return receipts.receipt_for(attestation, _subject(attestation))


def attestation_proof(attestation: Attestation) -> dict | None:
    """The inclusion proof of the attestation's entry in the first checkpoint covering it;
    raises receipts.NotCoveredYet before that checkpoint exists."""
    return receipts.receipt_proof(ledger_label(Attestation), attestation.pk)


# --- idempotency -----------------------------------------------------------------------------

IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


class IdempotencyConflict(Exception):
    """The key was used before, with a different request: nothing was registered."""


def idempotency_key_check(key: str) -> str:
    """The key as sent, or ValidationError: 1 to 255 visible ASCII characters."""
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ValidationError(
            "The Idempotency-Key header holds 1 to 255 visible ASCII characters "
            "(a UUID is a good choice)."
        )
    return key


def request_fingerprint(endpoint: str, body) -> str:
    """SHA-256 of the endpoint and the body as canonical JSON: key order and spacing of the
    request do not matter, values do."""
    try:
        text = canonical_json(body)
    except (TypeError, ValueError, UnicodeEncodeError):
        text = repr(body).encode("utf-8", "replace")
    return hashlib.sha256(endpoint.encode() + b"\n" + text).hexdigest()


def _replay(stored, request_hash):
    if stored.request_hash != request_hash:
        raise IdempotencyConflict(
            f"The Idempotency-Key {stored.key!r} was already used on "
            f"{stored.created_at:%Y-%m-%d %H:%M:%S} UTC with a different request. Send a new "
            "key for new data; a retry must repeat the first request exactly. Nothing was "
            "registered."
        )
    return stored.status_code, stored.response, True


def attestations_register_once(
    *, token: AttestationToken, key: str, request_hash: str, register
) -> tuple[int, str, bool]:
    """Run ``register()`` (returning (status, the answer as JSON text)) at most once per
    (token, key): returns (status, answer text, replayed). A retry with the same key and
    the same request gets the stored answer; with another request, IdempotencyConflict.
    Only answers that registered something are kept: a refused request may be corrected
    and sent again with the same key.

    Concurrent duplicates: the key row is inserted first, in the registering transaction;
    on PostgreSQL a second insert of the key waits on the unique index until the first
    transaction ends, then fails and reads the stored answer (on SQLite writers are already
    serialised).
    """
    stored = AttestationIdempotencyKey.objects.filter(token=token, key=key).first()
    if stored is not None:
        return _replay(stored, request_hash)
    try:
        with transaction.atomic():
            row = AttestationIdempotencyKey.objects.create(
                token=token, key=key, request_hash=request_hash, status_code=0, response=""
            )
            status, answer = register()
            row.status_code, row.response = status, answer
            row.save(update_fields=["status_code", "response"])
    except IntegrityError:
        stored = AttestationIdempotencyKey.objects.filter(token=token, key=key).first()
        if stored is None:  # the other request was refused and rolled back: try again
            return attestations_register_once(
                token=token, key=key, request_hash=request_hash, register=register
            )
        return _replay(stored, request_hash)
    return status, answer, False


def attestation_register(*, token, data):
    """Register one attestation; returns its Registered. Same rules as a batch of one."""
    return attestations_register(token=token, items=[data])[0]


def system_for_slug(slug):
    """The AI system with this ID (slug), or a ValidationError naming the field."""
    system = AISystem.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if system is None:
        raise ValidationError({"system": f"There is no AI system {slug!r}."})
    return system
