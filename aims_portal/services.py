"""Generic write operations every record type's services build on.

Rules enforced here, for every record type:
- the actor's role must allow the action in the record's area (roles.yaml), own-only grants
  included;
- an update must be based on the current version of the record (optimistic locking): a
  stale edit is refused with StaleVersionError and the newer save is kept;
- every write runs model validation and is atomic, and records who made it and why in the
  record's history;
- references (RISK-007, CA-2026-012, …) are numbered from a counter row locked for the
  creating transaction, so concurrent creates never take the same one.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from . import roles
from .models import ReferenceCounter


class StaleVersionError(Exception):
    """The record changed after the editor loaded it; their save would overwrite that."""

    def __init__(self, current):
        self.current = current
        who = getattr(current.history.first(), "history_user", None)
        when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
        super().__init__(
            f"{current} was changed by {who or 'someone else'} at {when} after you opened it "
            f"(now version {current.version}). Your changes were not saved: reload the "
            "record and apply them again."
        )


def _apply(instance, data):
    m2m = {}
    for field, value in data.items():
        model_field = instance._meta.get_field(field)
        if model_field.many_to_many:
            m2m[field] = value
        else:
            setattr(instance, field, value)
    return m2m


def _save(instance, *, actor, reason, m2m):
    """Validate and save with who and why. Links of fields whose every version is kept
    (``_history_m2m_fields``) go into the save's one version; other links are set after."""
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    versioned = set(getattr(instance, "_history_m2m_fields", ()))
    instance._history_links = {f: v for f, v in m2m.items() if f in versioned}
    try:
        instance.save()
    finally:
        instance.__dict__.pop("_history_links", None)
    for field, value in m2m.items():
        if field not in versioned:
            getattr(instance, field).set(value)
    return instance


@transaction.atomic
def record_create(model, *, actor, data, reason="Created"):
    roles.require(actor, "create", model.area)
    instance = model()
    m2m = _apply(instance, data)
    return _save(instance, actor=actor, reason=reason, m2m=m2m)


@transaction.atomic
def record_update(instance, *, actor, data, expected_version, reason):
    """Apply ``data`` to the record if ``expected_version`` is still the current one."""
    if not reason or not reason.strip():
        raise ValidationError({"change_reason": "Say why you are making this change."})
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    roles.require(actor, "change", model.area, current)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleVersionError(current)
    m2m = _apply(current, data)
    current.version += 1
    return _save(current, actor=actor, reason=reason.strip(), m2m=m2m)


@transaction.atomic
def record_retire(instance, *, actor, reason):
    """Mark a record retired: it stays, with its history, but leaves the active lists."""
    if not reason or not reason.strip():
        raise ValidationError({"change_reason": "Say why this record is being retired."})
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    roles.require(actor, "delete", model.area, current)
    if current.retired_at is not None:
        raise ValidationError(f"{current} is already retired.")
    current.retired_at = timezone.now()
    current.version += 1
    return _save(current, actor=actor, reason=reason.strip(), m2m={})


def tracked_save(instance, actor, reason):
    """Validate and save ``instance`` with its history user and change reason."""
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()
    return instance


def _locked_counter(key):
    counter = ReferenceCounter.objects.select_for_update().filter(key=key).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            return ReferenceCounter.objects.create(key=key)
    except IntegrityError:
        # Another transaction created it first (and held it until its commit): take it now.
        return ReferenceCounter.objects.select_for_update().get(key=key)


@transaction.atomic
def next_reference(model, prefix: str, width: int = 3, yearly: bool = True) -> str:
    """The next PREFIX-YYYY-NNN reference of ``model``, numbered per year (PREFIX-NNN,
    numbered once for all, when not ``yearly``).

    The stem's counter row stays locked until the caller's transaction ends (callers create
    the record in the same transaction), so a concurrent create waits and then takes the
    following number; a rolled-back create gives its number back. Call it before the
    transaction saves any history: the ledger's append lock, which history takes, is always
    taken after this one, or two creates could each wait for the other. The highest reference
    already stored counts too, so records that came in without the counter (imports, data
    from before it) are never numbered twice.
    """
    stem = f"{prefix}-{timezone.localdate().year}-" if yearly else f"{prefix}-"
    counter = _locked_counter(f"{model._meta.label_lower}:{stem}")
    top = model.objects.filter(reference__startswith=stem).aggregate(
        n=Max(Cast(Substr("reference", len(stem) + 1), output_field=IntegerField()))
    )["n"]
    counter.last = max(counter.last, top or 0) + 1
    counter.save(update_fields=["last"])
    return f"{stem}{counter.last:0{width}}"
