"""Workflows as data: the allowed transitions of a record's status, checked in one place.

Each record type with a lifecycle declares a ``Workflow`` (its status field and its
``Transition``s). ``Workflow.run`` is the only way a status changes, and it enforces:
- the transition exists and starts from the record's current status;
- the actor's role grants the transition's matrix action in the record's area;
- four-eyes: when ``four_eyes`` is set, nobody who took part in the record may perform it:
  whoever saved any of its versions (except the review steps themselves: approving, returning,
  verifying), and whoever its ``submitter_field`` or ``party_fields`` (owner, requester, …)
  named at any version. It is read from the record's history in one query, so a record
  re-assigned to someone else before the step still counts its earlier owner;
- the transition's guard (a function returning a list of problems) finds nothing wrong;
- a reason is given where the transition requires one;
and it writes the new status, the version bump and the reason into the record's history, then
raises the step's events (aims_portal.events: approval requested, approved, returned).
Apps wrap ``run`` in their services to add what a transition also sets (approver, dates).
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import events, roles
from .services import StaleVersionError, tracked_save


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
    # Other user fields whose every holder, at any version, took part in the record.
    party_fields: tuple[str, ...] = ()
    # Change-reason prefixes of versions that review bookkeeping writes (a check run again,
    # an approver's recorded override): their author reviewed the record, not shaped it.
    review_reasons: tuple[str, ...] = ()
    _by_name: dict = field(init=False, repr=False)
    _review_moves: frozenset = field(init=False, repr=False)

    def __post_init__(self):
        self._by_name = {t.name: t for t in self.transitions}
        # Status moves made by review steps: whoever made them reviewed, not took part.
        self._review_moves = frozenset(
            (source, t.target)
            for t in self.transitions
            if t.four_eyes or t.action == "approve"
            for source in t.source
        )

    def waiting_statuses(self) -> frozenset:
        """Statuses in which the record waits for an approver: where a four-eyes approval
        step starts."""
        return frozenset(
            source
            for t in self.transitions
            if t.action == "approve" and t.four_eyes
            for source in t.source
        )

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
        if transition.four_eyes:
            part = self.parties(record).get(actor.pk)
            if part:
                return PermissionDenied(
                    f"Four-eyes rule: you {part}, so someone who did not own, submit or change "
                    f"it must {transition.label.lower()}."
                )
        problems = list(transition.guard(record)) if transition.guard else []
        return ValidationError(problems) if problems else None

    def parties(self, record) -> dict[int, str]:
        """Everyone who took part in ``record`` at any version, as {user id: how}: the
        users its ``submitter_field`` and ``party_fields`` held, and whoever saved a version
        other than a review step. One query (the record's history), kept on the instance for
        its current version."""
        cached = record.__dict__.get("_workflow_parties")
        if cached is not None and cached[0] == (id(self), record.version):
            return cached[1]
        fields = [
            record._meta.get_field(n) for n in (self.submitter_field, *self.party_fields) if n
        ]
        rows = record.history.order_by("history_date", "history_id").values_list(
            "history_user_id",
            "history_change_reason",
            self.status_field,
            "version",
            *[f.attname for f in fields],
        )
        parties, previous = {}, None
        for user_id, reason, status, version, *held in [
            *rows,
            (None, None, None, None, *[getattr(record, f.attname) for f in fields]),
        ]:
            for holder, model_field in zip(held, fields, strict=True):
                if holder is not None:
                    named = f"were named in its “{model_field.verbose_name}” field"
                    parties.setdefault(holder, named)
            review = (previous is not None and (previous, status) in self._review_moves) or (
                bool(reason) and reason.startswith(self.review_reasons)
            )
            if user_id is not None and not review:
                parties.setdefault(user_id, f"changed this record (version {version})")
            previous = status if status is not None else previous
        record.__dict__["_workflow_parties"] = ((id(self), record.version), parties)
        return parties

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
        before = self.status(current)
        for name_, value in (changes or {}).items():
            setattr(current, name_, value)
        setattr(current, self.status_field, transition.target)
        current.version += 1
        label = f"{transition.label}: {reason}" if reason else transition.label
        tracked_save(current, actor, label)
        events.transition_taken(self, transition, before, current, actor, reason)
        return current


def approval_workflow(
    *,
    guard,
    approve_label: str,
    redraft: str,
    party_fields: tuple[str, ...] = (),
) -> Workflow:
    """The approval flow of a controlled text (the SoA, a policy or procedure).

    A draft is submitted for approval once ``guard`` finds nothing missing; an approver who
    took no part in it approves it or returns it with a reason; an approved text becomes a
    draft again through the ``redraft`` step, with a reason. The submitter is kept in
    ``submitted_by``.
    """
    return Workflow(
        status_field="status",
        submitter_field="submitted_by",
        party_fields=party_fields,
        transitions=(
            Transition(
                "submit",
                source=("draft",),
                target="in_review",
                label="Submit for approval",
                guard=guard,
            ),
            Transition(
                "approve",
                source=("in_review",),
                target="approved",
                label=approve_label,
                action="approve",
                four_eyes=True,
                style="success",
            ),
            Transition(
                "return",
                source=("in_review",),
                target="draft",
                label="Return for changes",
                action="approve",
                four_eyes=True,
                reason_required=True,
                style="outline-danger",
            ),
            Transition(
                redraft,
                source=("approved",),
                target="draft",
                label="Start a new draft",
                reason_required=True,
                style="outline-secondary",
            ),
        ),
    )
