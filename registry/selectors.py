"""Registry reads shared by pages and the API."""

from . import golive, policy
from .documents import system_document
from .models import ChangeRequest


def system_denials(system, policies=None):
    """The current registry-policy denials of a stored system (its data sources included),
    with the portal's facts beside the document as user policies expect."""
    doc = system_document(system)
    return policy.evaluate(policy.portal_input(doc, golive.portal_facts(system, doc)), policies)


def go_live_denials(system, policies=None):
    """What would stop the system going to production now: the policies and the go-live
    gate (stage order, impact assessment, sign-offs), the check an owner needs before
    requesting it. None for a system already in production or retired."""
    if system.stage in ("production", "retired"):
        return None
    change = ChangeRequest(
        system=system, kind="stage", from_stage=system.stage, target_stage="production"
    )
    return golive.check_change(change, policies)
