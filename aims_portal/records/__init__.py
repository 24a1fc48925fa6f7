"""One generic set of record pages and API views; a record type only declares itself.

A ``RecordType`` names its model, table, filters, form, detail layout, related panels and
the service functions that create, update and retire it. ``RecordType.urls()`` then gives
list (search, filters, sorting, pagination, CSV export), detail (fields, related panels,
recent history), create, edit (optimistic locking, change reason) and retire pages.
"""

from ..record_registry import record_type_for, registered_types
from .types import Panel, RecordType

__all__ = ["Panel", "RecordType", "record_type_for", "registered_types"]
