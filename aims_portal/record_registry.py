"""Which record type serves which model: filled as record types are declared, read by any
module (events, my work, history) without importing the generic record views."""

_REGISTRY = {}


def register(record_type) -> None:
    _REGISTRY[record_type.model] = record_type


def record_type_for(model):
    """The record type declared for ``model``, or None."""
    return _REGISTRY.get(model)


def registered_types() -> list:
    return list(_REGISTRY.values())
