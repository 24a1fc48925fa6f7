"""Table columns the portal registers with django-tables2 for its model fields.

django-tables2 renders a date cell by compiling a small template for every cell it shows
and every empty cell it exports, which made large CSV exports slow. The column below
formats dates directly, the same way on the page (the short date format, local time) and
in exports (ISO 8601). Registered columns are preferred to the built-in ones, so every
table built from a model's fields uses it.
"""

import datetime

import django_tables2 as tables
from django.db import models
from django.utils import dateformat, formats, timezone
from django.utils.translation import get_language
from django_tables2.columns import library


@library.register
class DateColumn(tables.Column):
    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField):  # DateTimeField included
            return cls(**kwargs)
        return None

    def render(self, value):
        # formats.date_format, with the format looked up once per language and table.
        if isinstance(value, datetime.datetime):
            return dateformat.format(
                timezone.localtime(value), self._format("SHORT_DATETIME_FORMAT")
            )
        return dateformat.format(value, self._format("SHORT_DATE_FORMAT"))

    def _format(self, name):
        key = (name, get_language())
        found = self.__dict__.setdefault("_formats", {})
        if key not in found:
            found[key] = formats.get_format(name)
        return found[key]

    def value(self, value):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).isoformat()
        return value.isoformat() if isinstance(value, datetime.date) else ""
