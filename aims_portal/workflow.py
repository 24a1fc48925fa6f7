"""Workflows as data: the allowed transitions of a record's status, checked in one place.

Each record type with a lifecycle declares a ``Workflow`` (its status field and its
``Transition``s). ``Workflow.run`` is the only way a status changes, and it enforces:
- the transition exists and starts from the record's current status;
- the actor's role grants the transition's matrix action in the record's area;
- four-eyes: when ``four_eyes`` is set, the user recorded in the workflow's
  ``submitter_field`` may not perform it;
- the transition's guard (a function returning a list of problems) finds nothing wrong;
- a reason is given where the transition requires one;
and it writes the new status, the version bump and the reason into the record's history.
Apps wrap ``run`` in their services to add what a transition also sets (approver, dates).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import roles
from .services import StaleVersionError


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    label: str
    action: str = "change"
    four_eyes: bool = False
    reason_required: bool = False
    guard: callable = None
    style: str = "primary"


@dataclass
class Workflow:
    status_field: str
    transitions: tuple[Transition, ...]
    submitter_field: str | None = None
    _by_name: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._by_name = {t.name: t for t in self.transitions}

    def get(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise ValidationError(f"There is no “{name}” step in this workflow.") from None

    def status(self, record):
        return getattr(record, self.status_field)

    def refusal(self, record, transition, actor):
        """Why ``actor`` may not take ``transition`` now, as the exception to raise; or None."""
        model = type(record)
        if self.status(record) not in transition.source:
            current = getattr(record, f"get_{self.status_field}_display")()
            return ValidationError(
                f"“{transition.label}” is not possible while the record is {current}."
            )
        if not roles.can(actor, transition.action, model.area, record):
            return PermissionDenied(
                f"Your role does not allow you to {transition.label.lower()} this record."
            )
        submitter = self.submitter_field and getattr(record, f"{self.submitter_field}_id")
        if transition.four_eyes and submitter == actor.pk:
            return PermissionDenied(
                "Four-eyes rule: someone other than the submitter must do this."
            )
        problems = list(transition.guard(record)) if transition.guard else []
        return ValidationError(problems) if problems else None

    def available(self, record, actor):
        """The transitions ``actor`` could take now, for buttons on the record's page."""
        return self.options(record, actor)[0]

    def options(self, record, actor):
        """``(available, blocked)``: the transitions ``actor`` could take now, and those they
        could take but for the guard's problems, as ``(transition, problems)``, so that a page
        says what is missing instead of silently leaving the button out."""
        available, blocked = [], []
        for transition in self.transitions:
            refusal = self.refusal(record, transition, actor)
            if refusal is None:
                available.append(transition)
            elif isinstance(refusal, ValidationError) and self.status(record) in transition.source:
                blocked.append((transition, refusal.messages))
        return available, blocked

    @transaction.atomic
    def run(self, record, name, *, actor, reason="", expected_version=None, changes=None):
        """Take transition ``name``; ``changes`` are other fields the step sets."""
        transition = self.get(name)
        model = type(record)
        current = model.objects.select_for_update().get(pk=record.pk)
        if expected_version is not None and int(expected_version) != current.version:
            raise StaleVersionError(current)
        refusal = self.refusal(current, transition, actor)
        if refusal is not None:
            raise refusal
        reason = (reason or "").strip()
        if transition.reason_required and not reason:
            raise ValidationError({"reason": f"Say why you {transition.label.lower()} this."})
        for name_, value in (changes or {}).items():
            setattr(current, name_, value)
        setattr(current, self.status_field, transition.target)
        current.version += 1
        current.full_clean()
        current._history_user = actor
        current._change_reason = f"{transition.label}: {reason}" if reason else transition.label
        current.save()
        return current
