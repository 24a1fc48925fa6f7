"""A database row as the canonical dict that the ledger hashes.

Every value becomes a plain JSON value in one stable format, whatever Python type the field
held when the row was saved and whatever the database hands back when it is read again:
datetimes in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, dates ISO, decimals with exactly the
field's decimal places, None as null. The same row therefore hashes the same at save time,
at verification time and in the offline verifier.
"""

import datetime
import decimal
import uuid
from functools import cache, lru_cache

from django.db import models
from django.utils import timezone


def _datetime(value):
    if not value.tzinfo:
        value = timezone.make_aware(value)
    return _utc_text(value)


@lru_cache(maxsize=1024)
def _utc_text(value):
    # Cached by instant (aware datetimes only): a batch of rows shares a few timestamps.
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _converter(field):
    """A function turning a value of ``field`` into its canonical JSON value."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    to_python = field.to_python
    if isinstance(field, models.DateTimeField):
        return lambda v: _datetime(v if isinstance(v, datetime.datetime) else to_python(v))
    if isinstance(field, models.DateField):
        return lambda v: (v if isinstance(v, datetime.date) else to_python(v)).isoformat()
    if isinstance(field, models.TimeField):
        return lambda v: (v if isinstance(v, datetime.time) else to_python(v)).isoformat()
    if isinstance(field, models.DecimalField):
        quantum = decimal.Decimal(1).scaleb(-(field.decimal_places or 0))
        return lambda v: format(decimal.Decimal(str(v)).quantize(quantum), "f")
    if isinstance(field, models.BooleanField):
        return lambda v: v if isinstance(v, bool) else to_python(v)
    if isinstance(field, models.IntegerField | models.AutoField):
        return lambda v: v if type(v) is int else int(to_python(v))
    if isinstance(field, models.FloatField):
        return float
    if isinstance(field, models.JSONField):
        return lambda v: v
    if isinstance(field, models.UUIDField):
        return lambda v: str(v if isinstance(v, uuid.UUID) else to_python(v))
    if isinstance(field, models.BinaryField):
        return lambda v: bytes(v).hex()
    if isinstance(field, models.FileField):
        return lambda v: str(getattr(v, "name", v) or "")
    return lambda v: v if type(v) is str else str(to_python(v))


@cache
def row_spec(model):
    """(attnames, converters) of the model's concrete fields, in a fixed order."""
    fields = list(model._meta.concrete_fields)
    return tuple(f.attname for f in fields), tuple(_converter(f) for f in fields)


def canonical_row(model, values):
    """Canonical dict from a tuple of values in ``row_spec(model)`` order."""
    names, converters = row_spec(model)
    return {
        name: None if value is None else convert(value)
        for name, convert, value in zip(names, converters, values, strict=True)
    }


def canonical_instance(instance):
    names, _ = row_spec(type(instance))
    return canonical_row(type(instance), tuple(getattr(instance, n) for n in names))
