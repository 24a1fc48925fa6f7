"""The registry's services, one module per concern: the inventory records (inventory.py),
lifecycle change requests (changes.py) and the YAML import and export (imports.py). Callers
use ``from registry import services`` and the names below."""

from .changes import change_request_create, change_request_transition, change_request_update
from .imports import import_files
from .inventory import (
    ai_system_create,
    ai_system_update,
    data_source_create,
    data_source_retire,
    data_source_update,
    incident_create,
    incident_transition,
    incident_update,
    model_version_create,
    model_version_update,
    policy_create,
    policy_retire,
    policy_update,
    record_model_version,
    supplier_create,
    supplier_retire,
    supplier_update,
    system_write,
)

__all__ = [
    "ai_system_create",
    "ai_system_update",
    "change_request_create",
    "change_request_transition",
    "change_request_update",
    "data_source_create",
    "data_source_retire",
    "data_source_update",
    "import_files",
    "incident_create",
    "incident_transition",
    "incident_update",
    "model_version_create",
    "model_version_update",
    "policy_create",
    "policy_retire",
    "policy_update",
    "record_model_version",
    "supplier_create",
    "supplier_retire",
    "supplier_update",
    "system_write",
]
