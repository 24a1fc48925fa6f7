"""The base class of every record list's table."""

import copy
from collections import OrderedDict

import django_tables2 as tables


class OneLevelCopies(OrderedDict):
    """Declarations a class holds by name (a table's columns, a filter set's filters), which
    its library deep-copies for each instance; this mapping copies each one level deep
    (``copy_of``) instead. Each instance still gets objects of its own to change attributes
    of, and the copy no longer walks every attribute, link, widget and query they hold."""

    @staticmethod
    def copy_of(declared):
        return copy.copy(declared)

    def __deepcopy__(self, memo):
        return OrderedDict((name, self.copy_of(declared)) for name, declared in self.items())


class _Columns(OneLevelCopies):
    """A table class's columns. A table changes attributes of its columns only (an accessor
    filled in, what a cell wrote remembered), never what they hold."""


class RecordTable(tables.Table):
    """A django-tables2 table whose tables copy their columns one level deep (``_Columns``)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.base_columns = _Columns(cls.base_columns)
