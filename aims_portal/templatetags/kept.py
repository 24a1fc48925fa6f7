"""``{% kept "name" value … %}…{% endkept %}``: the markup between, drawn once for each set of
values and kept (see ``aims_portal.kept``).

What the block shows must be a function of the values named and of nothing else that
changes between requests: no CSRF token, no block another template fills. The URL
configuration, the script prefix, the active language and autoescaping are part of every
key.
"""

from django import template
from django.utils.safestring import mark_safe

from ..kept import Kept, frozen_or_none, setting_of_the_request

register = template.Library()


class KeptNode(template.Node):
    LIMIT = 1024

    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.drawings = Kept(self.LIMIT)

    def render(self, context):
        values = tuple(value.resolve(context) for value in self.values)
        key = frozen_or_none((setting_of_the_request(), context.autoescape, values))
        return mark_safe(self.drawings.get(key, lambda: self.nodelist.render(context)))


@register.tag
def kept(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            f"'{bits[0]}' takes a name and the values its markup depends on."
        )
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, [parser.compile_filter(bit) for bit in bits[1:]])
