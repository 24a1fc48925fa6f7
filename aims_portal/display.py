"""How a field's value is shown to a reader: one place for pages, history and exports."""

from django.db import models
from django.utils import formats
from django.utils.text import capfirst


def display_value(field, value):
    """Text for ``value`` of model ``field``; foreign keys are given as the related object."""
    if value is None or value == "" or value == []:
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(field, models.DateTimeField | models.DateField):
        return formats.localize(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def record_fields(record, names):
    """(label, text, link) for the named fields of a record, for detail pages."""
    rows = []
    for name in names:
        field = record._meta.get_field(name)
        value = getattr(record, name)
        if isinstance(field, models.ManyToManyField):
            value = sorted(value.all(), key=str)  # links: one query for the field
        link = None
        if isinstance(field, models.ForeignKey) and value is not None:
            link = getattr(value, "get_absolute_url", lambda: None)()
        elif isinstance(field, models.URLField) and value:
            link = value
        elif isinstance(field, models.EmailField) and value:
            link = f"mailto:{value}"
        rows.append((str(capfirst(field.verbose_name)), display_value(field, value), link))
    return rows


def list_diff(old, new) -> dict:
    """A list value before and after a change, item by item: ``{"before": [[item,
    removed], ...], "after": [[item, added], ...]}``, each list in its own order, so a page
    marks only what changed. Plain lists, so a frozen SoA revision keeps it as JSON."""
    old, new = [str(item) for item in old or ()], [str(item) for item in new or ()]
    return {
        "before": [[item, item not in new] for item in old],
        "after": [[item, item not in old] for item in new],
    }
