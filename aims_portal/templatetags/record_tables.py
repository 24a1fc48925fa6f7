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


@register.simple_tag(takes_context=True)
def record_table(context, table):
    """The table, drawn by its template within the page's own context. django-tables2's
    ``render_table`` draws it in a new context, which runs every context processor again."""
    template = context.template.engine.get_template(table.template_name)
    table.before_render(context.get("request"))
    with context.push(table=table):
        return template.render(context)
