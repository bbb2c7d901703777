from django import template

from portal import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, code: str, obj=None) -> bool:
    """`{% can "organisation.verify" org as may_verify %}`: the permission module, in templates."""
    request = context.get("request")
    return permissions.can(getattr(request, "user", None), code, obj)
