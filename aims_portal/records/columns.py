"""Table columns the portal registers with django-tables2 for its model fields.

django-tables2 renders a date cell by compiling a small template for every cell it shows
and every empty cell it exports, which made large CSV exports slow. The column below
formats dates directly, the same way on the page (the short date format, local time) and
in exports (ISO 8601). Registered columns are preferred to the built-in ones, so every
table built from a model's fields uses it.

On the page it parses each date format once per table (``_Plan``) and keeps the dates it
has written for that table, as many as a page holds.
"""

import datetime

import django_tables2 as tables
from django.db import models
from django.utils import dateformat, formats, timezone
from django_tables2.columns import library

# Dates kept formatted per column: more than the longest page (table pages stop at 100 rows).
MEMO_SIZE = 256


class _Plan:
    """A date format parsed once: what ``dateformat.format`` does on every call, split in
    the part that depends on the format alone and the part that depends on the value."""

    def __init__(self, format_string):
        self.format_string = str(format_string)
        self.pieces = []  # (True, format character) or (False, literal text)
        parts = dateformat.re_formatchars.split(self.format_string)
        for i, piece in enumerate(parts):
            if i % 2:
                self.pieces.append((True, piece))
            elif piece:
                self.pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))
        self.time_codes = any(
            code and hasattr(dateformat.TimeFormat, piece) for code, piece in self.pieces
        )

    def format(self, value):
        if self.time_codes and type(value) is datetime.date:
            # Django's own error for a time code applied to a date.
            return dateformat.format(value, self.format_string)
        formatter = dateformat.DateFormat(value)
        return "".join(
            str(getattr(formatter, piece)()) if code else piece for code, piece in self.pieces
        )


@library.register
class DateColumn(tables.Column):
    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField):  # DateTimeField included
            return cls(**kwargs)
        return None

    def render(self, value):
        # formats.date_format, with the formats and the time zone looked up once per table
        # (a column belongs to one table, which one request builds) and each format parsed
        # once, not at every cell.
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = (
                _Plan(formats.get_format("SHORT_DATE_FORMAT")),
                _Plan(formats.get_format("SHORT_DATETIME_FORMAT")),
                timezone.get_current_timezone(),
            )
        # Month names are translated text: a date seen before in this table is not
        # formatted again (a page repeats dates often; the memo holds at most one page).
        seen = self.__dict__.setdefault("_seen", {})
        text = seen.get(value)
        if text is None:
            if isinstance(value, datetime.datetime):
                text = plan[1].format(timezone.localtime(value, plan[2]))
            else:
                text = plan[0].format(value)
            if len(seen) < MEMO_SIZE:
                seen[value] = text
        return text

    def value(self, value):
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).isoformat()
        return value.isoformat() if isinstance(value, datetime.date) else ""
