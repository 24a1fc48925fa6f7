"""The go-live gate (services): a lifecycle change is checked against portal records, never
against text typed into the system record.

Rules enforced here:
- stages move in order: proposed → development → validation → production; a system may
  move back to an earlier stage or be retired from any stage; nothing leaves "retired";
  a move that skips a stage is refused unless an approver (not the requester) records an
  override with a justification on the request;
- a move to production needs the impact assessment the system names
  (``governance.impact_assessment_id``) to exist in the portal, to assess this system, to
  be approved (not in review, returned or superseded), not flagged for re-assessment and
  not past its review date;
- a move to production of a system that handles personal data or is high or critical risk
  needs a DPO sign-off, and of a high or critical risk system a security sign-off; a
  sign-off counts when it was recorded in the portal by someone who holds that
  responsibility (the Django group of that name, assigned by administrators), for the
  system's current version, and has not been withdrawn; nobody signs off a system they own;
- the whole check (registry policies on the system as it would be after the change, with the
  portal's facts beside it, and the rules above) runs when a request is made, again in place
  whenever someone asks for a re-check, and again at approval: a request is never approved
  while it fails, and a retirement is never blocked by it.

Other apps add facts about a system (its impact assessment, open risks) with
``facts_provider``; the gate fails closed when the impact-assessment facts are missing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from aims_portal import roles
from aims_portal import services as records

from .documents import PERSONAL_DATA, system_document
from .models import AISystem, ChangeRequest, Responsibility, SignOff

ORDER = ("proposed", "development", "validation", "production")
RETIRED = AISystem.Stage.RETIRED
PRODUCTION = AISystem.Stage.PRODUCTION
HIGH_RISK = ("high", "critical")


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str

    def as_dict(self):
        return {"rule": self.rule, "message": self.message}


# --- facts other apps contribute ----------------------------------------------------------

_providers: dict[str, Callable[[AISystem, dict], object]] = {}


def facts_provider(name: str):
    """Register ``fn(system, document)`` whose result appears as ``input.portal.<name>``."""

    def register(fn):
        _providers[name] = fn
        return fn

    return register


def holds(user, responsibility: str) -> bool:
    if not user or not user.is_active:
        return False
    return user.groups.filter(name=responsibility).exists()


def holders(responsibility: str):
    group = Group.objects.filter(name=responsibility).first()
    return group.user_set.filter(is_active=True) if group else Group.objects.none()


def valid_sign_offs(system: AISystem) -> list[SignOff]:
    """Sign-offs that count now: not withdrawn, for the current version, by a current holder."""
    current = (
        system.sign_offs.filter(withdrawn_at__isnull=True, system_version=system.version)
        .select_related("signed_by")
        .prefetch_related("signed_by__groups")
    )
    return [s for s in current if s.responsibility in {g.name for g in s.signed_by.groups.all()}]


def _sign_off_facts(system):
    counted = {s.pk for s in valid_sign_offs(system)}
    return [
        {
            "responsibility": s.responsibility,
            "by": s.signed_by.username,
            "at": s.signed_at.isoformat(),
            "system_version": s.system_version,
            "valid": s.pk in counted,
        }
        for s in system.sign_offs.filter(withdrawn_at__isnull=True).select_related("signed_by")
    ]


def portal_facts(system: AISystem, doc: dict) -> dict:
    """What the portal's records say about ``system``: ``input.portal`` for user policies."""
    facts = {
        "system_version": system.version,
        "stage": system.stage,
        "sign_offs": _sign_off_facts(system),
    }
    for name, provider in _providers.items():
        facts[name] = provider(system, doc)
    return facts


# --- the rules ----------------------------------------------------------------------------


def stage_problems(from_stage: str, target: str, overridden: bool) -> list[Problem]:
    if from_stage == RETIRED:
        return [Problem("gate:stage-order", "A retired system does not return to service.")]
    if target == RETIRED or target not in ORDER:
        return []
    i, j = ORDER.index(from_stage), ORDER.index(target)
    if j <= i + 1 or overridden:
        return []
    skipped = ", ".join(ORDER[i + 1 : j])
    return [
        Problem(
            "gate:stage-order",
            f"{from_stage} to {target} skips {skipped}: stages move in order unless an "
            "approver records a justified override on the request.",
        )
    ]


def _assessment_problems(facts, ref, slug):
    if "assessment" not in _providers:
        return ["impact assessments cannot be read here, so production is refused"]
    found = facts.get("assessment")
    if not ref:
        return ["names no impact assessment (governance.impact_assessment_id)"]
    if not found or not found.get("found"):
        return [f"{ref} is not an impact assessment in the portal"]
    if found["system"] != slug:
        return [f"{ref} assesses {found['system']}, not {slug}"]
    label = f"{found['reference']} rev. {found['revision']}"
    if found["status"] != "approved":
        return [f"{label} is {found['status_label'].lower()}, not approved"]
    if found["needs_reassessment"]:
        return [f"{label} is flagged for re-assessment"]
    if found["next_review"] and found["next_review"] < timezone.localdate().isoformat():
        return [f"{label} was due for review on {found['next_review']}"]
    return []


def needed_sign_offs(system: AISystem, doc: dict) -> list[str]:
    classification = doc.get("classification") or {}
    personal = classification.get("data_sensitivity") in PERSONAL_DATA or any(
        source.get("pii") for sources in (doc.get("data") or {}).values() for source in sources
    )
    high = classification.get("risk_tier") in HIGH_RISK
    needed = []
    if personal or high:
        needed.append(Responsibility.DPO)
    if high:
        needed.append(Responsibility.SECURITY)
    return needed


def production_problems(system: AISystem, doc: dict, facts: dict) -> list[Problem]:
    problems = [
        Problem("gate:impact-assessment", message)
        for message in _assessment_problems(
            facts, (doc.get("governance") or {}).get("impact_assessment_id"), system.slug
        )
    ]
    signed = {s["responsibility"] for s in facts["sign_offs"] if s["valid"]}
    for responsibility in needed_sign_offs(system, doc):
        if responsibility not in signed:
            label = Responsibility(responsibility).label
            problems.append(
                Problem(
                    f"gate:{responsibility.replace('_', '-')}-sign-off",
                    f"no {label.lower()} sign-off recorded for version {system.version} of "
                    f"{system.slug}",
                )
            )
    return problems


def change_document(change: ChangeRequest) -> dict:
    """The system document as it would be after ``change``."""
    system = change.system
    overrides = {}
    if change.kind == ChangeRequest.Kind.STAGE:
        overrides["stage"] = change.target_stage
    elif change.kind == ChangeRequest.Kind.BASE_MODEL:
        overrides["base_model"] = change.new_value
    doc = system_document(system, **overrides)
    if change.impact_assessment_update and change.updated_impact_assessment_ref:
        doc["governance"]["impact_assessment_id"] = change.updated_impact_assessment_ref
    return doc


def resulting_stage(change: ChangeRequest) -> str:
    return change.target_stage if change.kind == ChangeRequest.Kind.STAGE else change.from_stage


def check_change(change: ChangeRequest, policies=None) -> list[Problem]:
    """Every problem with ``change`` now: policy denials and the gate's rules."""
    from . import policy

    doc = change_document(change)
    facts = portal_facts(change.system, doc)
    target = resulting_stage(change)
    problems = []
    if change.kind == ChangeRequest.Kind.STAGE:
        problems += stage_problems(
            change.from_stage, change.target_stage, change.override_at is not None
        )
    if target == RETIRED:
        return problems
    problems += [
        Problem(d.rule, d.message)
        for d in policy.evaluate(policy.portal_input(doc, facts), policies)
    ]
    if change.kind == ChangeRequest.Kind.STAGE and target == PRODUCTION:
        # The go-live itself; a material change of a live system answers to the policies.
        problems += production_problems(change.system, doc, facts)
    return problems


def check_fields(problems: list[Problem]) -> dict:
    return {
        "policy_passed": not problems,
        "policy_denials": [p.as_dict() for p in problems],
        "policy_checked_at": timezone.now(),
    }


# --- services -----------------------------------------------------------------------------


@transaction.atomic
def change_request_recheck(change: ChangeRequest, *, actor) -> ChangeRequest:
    """Run the check again on a waiting request, in place, after its problems were fixed."""
    current = ChangeRequest.objects.select_for_update().select_related("system").get(pk=change.pk)
    if not (
        roles.can(actor, "change", "inventory", current.system)
        or roles.can(actor, "approve", "inventory")
    ):
        raise PermissionDenied("Only the system's owner, a governance lead or an approver can.")
    if current.status != ChangeRequest.Status.SUBMITTED:
        raise ValidationError("Only a change awaiting approval is checked again.")
    problems = check_change(current)
    for name, value in check_fields(problems).items():
        setattr(current, name, value)
    current.version += 1
    outcome = "passed" if not problems else f"{len(problems)} problem(s)"
    return records.tracked_save(current, actor, f"Checked again: {outcome}")


@transaction.atomic
def change_request_override(change: ChangeRequest, *, actor, justification: str) -> ChangeRequest:
    """An approver allows this request to skip a stage, saying why."""
    current = ChangeRequest.objects.select_for_update().select_related("system").get(pk=change.pk)
    if not roles.can(actor, "approve", "inventory"):
        raise PermissionDenied("Only an approver can allow a stage to be skipped.")
    if current.requested_by_id == actor.pk:
        raise PermissionDenied("Four-eyes rule: the requester cannot override their own request.")
    if current.status != ChangeRequest.Status.SUBMITTED or current.kind != "stage":
        raise ValidationError("Only a stage change awaiting approval can be overridden.")
    if not stage_problems(current.from_stage, current.target_stage, False):
        raise ValidationError("This change skips no stage; there is nothing to override.")
    justification = (justification or "").strip()
    if len(justification) < 20:
        raise ValidationError(
            {"justification": "Say, in at least 20 characters, why the stage may be skipped."}
        )
    current.override_by = actor
    current.override_at = timezone.now()
    current.override_justification = justification
    current.version += 1
    return records.tracked_save(current, actor, f"Stage skip allowed: {justification}")


def require_sign_off_holder(actor) -> None:
    """Only holders of a sign-off responsibility record sign-offs (checked before anything
    else, so others are refused whatever they send)."""
    if not any(holds(actor, held) for held in Responsibility.values):
        raise PermissionDenied(
            "Only a data protection officer or a security officer can record a sign-off."
        )


@transaction.atomic
def sign_off_record(system: AISystem, responsibility: str, *, actor, note: str = "") -> SignOff:
    """Record ``actor``'s sign-off of the system's current version."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    require_sign_off_holder(actor)
    if responsibility not in Responsibility.values:
        raise ValidationError({"responsibility": f"Unknown responsibility {responsibility!r}."})
    label = Responsibility(responsibility).label
    if not holds(actor, responsibility):
        raise PermissionDenied(f"Only a {label.lower()} can record this sign-off.")
    if system.owner_id == actor.pk:
        raise PermissionDenied("Four-eyes rule: nobody signs off a system they own.")
    if system.stage == RETIRED:
        raise ValidationError(f"{system} is retired.")
    sign_off = SignOff(
        system=system,
        responsibility=responsibility,
        signed_by=actor,
        signed_at=timezone.now(),
        system_version=system.version,
        note=(note or "").strip(),
    )
    return records.tracked_save(sign_off, actor, f"{label} signed off version {system.version}")


@transaction.atomic
def sign_off_withdraw(sign_off: SignOff, *, actor, reason: str) -> SignOff:
    current = SignOff.objects.select_for_update().get(pk=sign_off.pk)
    if current.signed_by_id != actor.pk and roles.ADMIN not in roles.user_roles(actor):
        raise PermissionDenied("Only the signer or an administrator can withdraw a sign-off.")
    if current.withdrawn_at:
        raise ValidationError("This sign-off is already withdrawn.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the sign-off is withdrawn."})
    current.withdrawn_at = timezone.now()
    current.withdrawal_reason = reason
    current.version += 1
    return records.tracked_save(current, actor, f"Withdrawn: {reason}")
