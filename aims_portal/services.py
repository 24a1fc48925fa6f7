"""Generic write operations every record type's services build on.

Rules enforced here, for every record type:
- the actor's role must allow the action in the record's area (roles.yaml), own-only grants
  included;
- someone whose grant is own-only (system owners) creates records only for themselves and
  links them only to AI systems they own: a record's owner (``owner_field``) must be the
  actor (left empty, it becomes the actor), and every AI system it is newly linked to
  (``system_link``) must be one the actor owns; an update may not hand the record to
  someone else or link it to another owner's system;
- someone limited to a scope (some AI systems, or the systems of some teams) writes only
  records within it: every AI system a record newly links must be in the scope, and the
  record as written must still reach one of the scope's systems (organisation-wide records
  are governed by the role alone);
- an update must be based on the current version of the record (optimistic locking): a
  stale edit is refused with StaleVersionError and the newer save is kept;
- a URL field holds a URI (no quote, space, brace or other character RFC 3986 refuses), so
  the API's ``format: uri`` holds for every link it shows;
- every write runs model validation and is atomic, and records who made it and why in the
  record's history;
- every create and update raises its events (aims_portal.events: assigned, approval
  requested, and those apps declare on creation);
- references (RISK-007, CA-2026-012, …) are numbered from a counter row locked for the
  creating transaction, so concurrent creates never take the same one.
"""

from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from . import events, roles, scopes
from .models import ReferenceCounter, TrackedModel, User
from .validators import uri_problem

M = TypeVar("M", bound=models.Model)


class StaleVersionError(Exception):
    """The record changed after the editor loaded it; their save would overwrite that."""

    def __init__(self, current: TrackedModel) -> None:
        self.current = current
        who = getattr(current.history.first(), "history_user", None)
        when = timezone.localtime(current.updated_at).strftime("%d %b %Y %H:%M")
        super().__init__(
            f"{current} was changed by {who or 'someone else'} at {when} after you opened it "
            f"(now version {current.version}). Your changes were not saved: reload the "
            "record and apply them again."
        )


def _apply(instance: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    m2m = {}
    for field, value in data.items():
        model_field = instance._meta.get_field(field)
        if model_field.many_to_many:
            m2m[field] = value
        else:
            setattr(instance, field, value)
    return m2m


def check_links(instance: models.Model) -> None:
    """Every URL field must hold a URI the API schema can promise (see uri_problem)."""
    problems = {
        field.name: problem
        for field in instance._meta.concrete_fields
        if isinstance(field, models.URLField)
        and (problem := uri_problem(getattr(instance, field.attname) or ""))
    }
    if problems:
        raise ValidationError(problems)


def _field(model: type[models.Model], name: str) -> models.Field | models.ForeignObjectRel | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # e.g. a property that reads the owner through the system
        return None


def _system_ids(instance: TrackedModel, m2m: dict[str, Any]) -> set[int] | None:
    """Ids of the AI systems the record links (as about to be saved); None when this
    write does not set its many-to-many link."""
    name = type(instance).system_link
    field = _field(type(instance), name) if name else None
    if field is None:
        return set()
    if field.many_to_many:
        if name not in m2m:
            return None
        return {getattr(value, "pk", value) for value in m2m[name] or ()}
    value = getattr(instance, field.attname)
    return {value} if value is not None else set()


def _current_system_ids(instance: TrackedModel) -> set[int]:
    name = type(instance).system_link
    field = _field(type(instance), name) if name else None
    if field is None:
        return set()
    if field.many_to_many:
        return set(getattr(instance, name).values_list("pk", flat=True))
    value = getattr(instance, field.attname)
    return {value} if value is not None else set()


def check_own_scope(
    actor: User,
    instance: TrackedModel,
    m2m: dict,
    *,
    action: str,
    linked_before: set | frozenset = frozenset(),
) -> None:
    """For an actor allowed ``action`` only on their own records: the record must be theirs
    and every AI system it newly links must be theirs. Raises ValidationError naming the
    field. Systems in ``linked_before`` (already linked before this update) stay allowed."""
    model = type(instance)
    if not roles.own_only(actor, action, model.area):
        return
    problems = {}
    owner = _field(model, model.owner_field) if model.owner_field else None
    if owner is not None:
        owner_id = getattr(instance, owner.attname)
        if owner_id is None and action == "create":
            setattr(instance, owner.attname, actor.pk)
        elif owner_id != actor.pk:
            problems[owner.name] = (
                "You can only create or keep records that you own yourself: choose yourself "
                "as the owner, or ask a governance lead to assign it to someone else."
            )
    system_ids = _system_ids(instance, m2m)
    if system_ids:
        field = model._meta.get_field(model.system_link)
        foreign = (
            field.related_model.objects.filter(pk__in=system_ids - set(linked_before))
            .exclude(owner_id=actor.pk)
            .order_by("pk")
        )
        names = ", ".join(str(system) for system in foreign[:5])
        if names:
            problems[field.name] = f"You can only link AI systems you own; you do not own {names}."
    if problems:
        raise ValidationError(problems)


def check_write_scope(
    actor: User, instance: TrackedModel, m2m: dict, *, linked_before: set | frozenset = frozenset()
) -> None:
    """For an actor limited to a scope: the AI systems the record newly links must be in it
    (checked before the save). Raises ValidationError naming the field."""
    systems = scopes.scoped_systems(actor)
    model = type(instance)
    if systems is None or scopes.scope_path(model) is scopes.ORGANISATION_WIDE:
        return
    new = (_system_ids(instance, m2m) or set()) - set(linked_before)
    if not new:
        return
    field = model._meta.get_field(model.system_link)
    outside = (
        field.related_model._base_manager.filter(pk__in=new).exclude(pk__in=systems).order_by("pk")
    )
    names = ", ".join(str(system) for system in outside[:5])
    if names:
        raise ValidationError(
            {field.name: f"Your access is limited to some AI systems; {names} is outside it."}
        )


def check_written_within_scope(actor: User, instance: TrackedModel) -> None:
    """For an actor limited to a scope: the record, as just written, must reach one of the
    scope's AI systems (one query; the caller's transaction rolls back otherwise)."""
    model = type(instance)
    if not scopes.is_scoped(actor) or scopes.scope_path(model) is scopes.ORGANISATION_WIDE:
        return
    if not scopes.within_scope(model._base_manager.filter(pk=instance.pk), actor).exists():
        raise ValidationError(
            f"Your access is limited to some AI systems: this {model._meta.verbose_name} "
            "would not belong to any of them. Link it to one of your AI systems."
        )


@transaction.atomic
def record_create(
    model: type[TrackedModel],
    *,
    actor: User,
    data: dict,
    reason: str = "Created",
    permitted_by: str | None = None,
) -> TrackedModel:
    """``permitted_by`` names the app rule that already allowed this creation without the
    matrix's create grant (e.g. evidence a corrective action's owner attaches to it)."""
    if permitted_by is None:
        roles.require(actor, "create", model.area)
    instance = model()
    m2m = _apply(instance, data)
    check_own_scope(actor, instance, m2m, action="create")
    check_write_scope(actor, instance, m2m)
    tracked_save(instance, actor, reason, links=m2m)
    check_written_within_scope(actor, instance)
    events.record_saved(instance, actor, created=True)
    return instance


@transaction.atomic
def record_update(
    instance: TrackedModel,
    *,
    actor: User,
    data: dict,
    expected_version: int | str | None,
    reason: str,
) -> TrackedModel:
    """Apply ``data`` to the record if ``expected_version`` is still the current one."""
    if not reason or not reason.strip():
        raise ValidationError({"change_reason": "Say why you are making this change."})
    model = type(instance)
    current = model.objects.select_for_update().get(pk=instance.pk)
    roles.require(actor, "change", model.area, current)
    if expected_version is None or int(expected_version) != current.version:
        raise StaleVersionError(current)
    linked_before = _current_system_ids(current)
    owner_before = getattr(current, f"{model.owner_field}_id", None) if model.owner_field else None
    m2m = _apply(current, data)
    check_own_scope(actor, current, m2m, action="change", linked_before=linked_before)
    check_write_scope(actor, current, m2m, linked_before=linked_before)
    current.version += 1
    tracked_save(current, actor, reason.strip(), links=m2m)
    check_written_within_scope(actor, current)
    events.record_saved(current, actor, created=False, owner_before=owner_before)
    return current


@transaction.atomic
def record_retire(instance: TrackedModel, *, actor: User, reason: str) -> TrackedModel:
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
    return tracked_save(current, actor, reason.strip())


def tracked_save(instance: M, actor: User | None, reason: str, *, links: dict | None = None) -> M:
    """The one write path of the portal: validate ``instance`` (its model rules and its URL
    fields), then save it with who made the change (``actor``, None for the system itself)
    and why (``reason``). Every service, task, import and loader writes a record through this
    function, so no save skips validation or leaves a version without its author.

    ``links`` maps many-to-many fields to their new values. Links of fields whose every
    version is kept (the model's ``_history_m2m_fields``) go into the save's one version;
    other links are set after the save.
    """
    links = links or {}
    check_links(instance)
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    versioned = set(getattr(instance, "_history_m2m_fields", ()))
    instance._history_links = {f: v for f, v in links.items() if f in versioned}
    try:
        instance.save()
    finally:
        instance.__dict__.pop("_history_links", None)
    for field, value in links.items():
        if field not in versioned:
            getattr(instance, field).set(value)
    return instance


def tracked_delete(instance: models.Model, actor: User | None, reason: str) -> None:
    """Delete ``instance``, its history recording who deleted it and why."""
    instance._history_user = actor
    instance._change_reason = reason
    instance.delete()


def _locked_counter(key: str) -> ReferenceCounter:
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
def next_reference(
    model: type[models.Model], prefix: str, width: int = 3, yearly: bool = True
) -> str:
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
