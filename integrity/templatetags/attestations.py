"""The attestations panel of the AI system page (two queries, whatever the numbers)."""

from django import template

from aims_portal import roles

from .. import attestation_selectors as selectors

register = template.Library()


@register.inclusion_tag("integrity/attestation_panel.html", takes_context=True)
def attestation_panel(context, system):
    user = context["request"].user
    can_manage = roles.can(user, "view", "administration")
    return {
        "system": system,
        "summary": selectors.system_summary(system),
        "active_tokens": selectors.active_token_count(system) if can_manage else None,
        "can_manage_tokens": can_manage,
    }
