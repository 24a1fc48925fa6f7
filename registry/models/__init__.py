"""Registry records: the inventory, its lineage, lifecycle changes, incidents and
policies."""

from .changes import ChangeRequest
from .governance import Responsibility, SignOff, Team
from .incidents import Incident
from .inventory import AISystem, Supplier
from .lineage import DataSource, ModelVersion
from .policies import RegistryPolicy
from .sync import RegistrySync

__all__ = [
    "AISystem",
    "ChangeRequest",
    "DataSource",
    "Incident",
    "ModelVersion",
    "RegistryPolicy",
    "RegistrySync",
    "Responsibility",
    "SignOff",
    "Supplier",
    "Team",
]
