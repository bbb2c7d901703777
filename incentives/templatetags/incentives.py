from django import template

from portal import formats

register = template.Library()


@register.filter
def kind_labels(codes) -> str:
    """Organisation kind codes as their labels, joined: ["enterprise", "university"] →
    "企业、高等院校"; "" when there is none (the template says what that means)."""
    from portal.models import Organisation

    if not codes:
        return ""
    return formats.names(formats.label(Organisation.Kind, code) for code in codes)
