"""Registry reads shared by pages and the API."""

from . import policy
from .documents import system_document


def system_denials(system, policies=None):
    """The current registry-policy denials of a stored system (its data sources included)."""
    return policy.evaluate(system_document(system), policies)
