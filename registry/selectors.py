"""Registry reads shared by pages and the API."""

from . import policy
from .documents import system_document


def system_denials(system, policies=None):
    """The current registry-policy denials of a stored system (its data sources included)."""
    return policy.evaluate(system_document(system), policies)


def go_live_denials(system, policies=None):
    """What the policies would deny if the system went to production now: the go-live check
    an owner needs before requesting it. None for a system already in production or retired."""
    if system.stage in ("production", "retired"):
        return None
    return policy.evaluate(system_document(system, stage="production"), policies)
