"""Registry reads shared by pages and the API."""

from . import golive, policy
from .documents import system_document
from .models import AISystem, ChangeRequest

LOOKUP_LIMIT = 20


def system_denials(system: AISystem, policies=None) -> list:
    """The current registry-policy denials of a stored system (its data sources included),
    with the portal's facts beside the document as user policies expect."""
    doc = system_document(system)
    return policy.evaluate(policy.portal_input(doc, golive.portal_facts(system, doc)), policies)


def go_live_denials(system: AISystem, policies=None) -> list | None:
    """What would stop the system going to production now: the policies and the go-live
    gate (stage order, impact assessment, sign-offs), the check an owner needs before
    requesting it. None for a system already in production or retired."""
    if system.stage in ("production", "retired"):
        return None
    change = ChangeRequest(
        system=system, kind="stage", from_stage=system.stage, target_stage="production"
    )
    return golive.check_change(change, policies)


def system_lookup(text: str, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """Systems whose name or ID contains ``text``, by name, at most ``limit``: what a
    searchable filter offers instead of a menu of every system."""
    from django.db.models import Q

    text = text.strip().replace("\x00", "")[:100]
    if not text:
        return []
    rows = (
        AISystem.objects.filter(Q(name__icontains=text) | Q(slug__icontains=text))
        .only("pk", "name", "slug")
        .order_by(*AISystem._meta.ordering, "pk")[:limit]
    )
    return [{"id": row.pk, "text": f"{row.name} ({row.slug})"} for row in rows]
