from django import template
from django.utils.html import format_html

from ..tables import TONES

register = template.Library()


@register.simple_tag
def status_badge(raw, label):
    """A Bootstrap badge whose colour follows the status; the label carries the meaning."""
    return format_html(
        '<span class="badge text-bg-{}">{}</span>', TONES.get(raw, "secondary"), label
    )
