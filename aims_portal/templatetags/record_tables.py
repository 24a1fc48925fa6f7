from django import template

from aims_portal.records.table_body import table_body as build_table_body
from aims_portal.records.table_body import table_head as build_table_head

register = template.Library()


@register.simple_tag(takes_context=True)
def table_body(context, table):
    """The table's ``<tbody>``, written in one pass (see ``aims_portal.records.table_body``)."""
    return build_table_body(table, context)


@register.simple_tag(takes_context=True)
def table_head(context, table):
    """The table's ``<thead>``, written in one pass."""
    return build_table_head(table, context)
