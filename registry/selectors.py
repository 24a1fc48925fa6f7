"""Registry reads shared by pages and the API."""

from aims_portal import history
from aims_portal.models import User
from aims_portal.scopes import restrict

from . import golive, policy
from .documents import system_document
from .models import AISystem, ChangeRequest

LOOKUP_LIMIT = 20


def system_denials(
    system: AISystem, policies: policy.PolicySet | None = None
) -> list[policy.Denial]:
    """The current registry-policy denials of a stored system (its data sources included),
    with the portal's facts beside the document as user policies expect."""
    doc = system_document(system)
    return policy.evaluate(policy.portal_input(doc, golive.portal_facts(system, doc)), policies)


def go_live_denials(
    system: AISystem, policies: policy.PolicySet | None = None
) -> list[golive.Problem] | None:
    """What would stop the system going to production now: the policies and the go-live
    gate (stage order, impact assessment, sign-offs), the check an owner needs before
    requesting it. None for a system already in production or retired."""
    if system.stage in ("production", "retired"):
        return None
    change = ChangeRequest(
        system=system, kind="stage", from_stage=system.stage, target_stage="production"
    )
    return golive.check_change(change, policies)


def system_lookup(text: str, user: User, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """Systems ``user`` may see whose name or ID contains ``text``, by name, at most
    ``limit``: what a searchable filter offers instead of a menu of every system."""
    from django.db.models import Q

    text = text.strip().replace("\x00", "")[:100]
    if not text:
        return []
    rows = (
        restrict(AISystem.objects.all(), user)
        .filter(Q(name__icontains=text) | Q(slug__icontains=text))
        .only("pk", "name", "slug")
        .order_by(*AISystem._meta.ordering, "pk")[:limit]
    )
    return [{"id": row.pk, "text": f"{row.name} ({row.slug})"} for row in rows]


def approver_facts(change: ChangeRequest) -> dict:
    """What an approver weighs for ``change`` beside the policy result: the impact
    assessment the system names (with its status) and the system's open risks, as the
    go-live gate reads them, and what changed in the system's record since the last
    approved change (or since it was registered). A fixed number of queries."""
    system = change.system
    facts = golive.portal_facts(system, golive.change_document(change))
    last = (
        ChangeRequest.objects.filter(
            system=system, status=ChangeRequest.Status.APPROVED, applied_at__isnull=False
        )
        .exclude(pk=change.pk)
        .order_by("-applied_at")
        .first()
    )
    versions = history.versions(AISystem, system.pk)
    newest = versions.first()
    base = (
        versions.filter(history_date__lte=last.applied_at).first()
        if last
        else versions.order_by("history_id").first()
    )
    same = base is None or newest is None or base.history_id == newest.history_id
    return {
        "assessment": facts.get("assessment"),
        "open_risks": facts.get("open_risks") or [],
        "last_approved": last,
        "since_version": base,
        "changes_since": [] if same else history.diff(AISystem, base, newest),
    }
