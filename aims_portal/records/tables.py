"""The base class of every record list's table."""

import copy
from collections import OrderedDict

import django_tables2 as tables


class _Columns(OrderedDict):
    """A table class's columns, copied one level deep for each table made from it.

    django-tables2 deep-copies every column of the class for each table, so that a table may
    change its own columns without touching the class: the copy walks each column's
    attributes, its link, its header text. A table changes attributes of its columns only
    (an accessor filled in, what a cell wrote remembered), never what they hold, so a copy of
    each column does the same for a fraction of the work.
    """

    def __deepcopy__(self, memo):
        return OrderedDict((name, copy.copy(column)) for name, column in self.items())


class RecordTable(tables.Table):
    """A django-tables2 table whose tables copy their columns one level deep (``_Columns``)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.base_columns = _Columns(cls.base_columns)
