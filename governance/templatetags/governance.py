"""The approved AIMS scope for pages of other apps (the SoA and its PDF), without those apps
importing this one: their templates include governance/_approved_scope.html."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def approved_scope():
    return selectors.approved_scope()


@register.filter
def plain(value):
    """A decimal without trailing zeros or exponent: 40.00 -> "40", 2.50 -> "2.5"."""
    if value is None or value == "":
        return ""
    return format(value.normalize(), "f")
