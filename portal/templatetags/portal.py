from django import template

from portal import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, code: str, obj=None) -> bool:
    """`{% can "organisation.verify" org as may_verify %}`: the permission module, in templates."""
    request = context.get("request")
    return permissions.can(getattr(request, "user", None), code, obj)


@register.filter
def wan(amount) -> str:
    """Yuan shown in 万元 (DOMAIN.md §9), trailing zeros dropped: 300000 → "30"."""
    from decimal import Decimal

    if amount in (None, ""):
        return "—"
    value = (Decimal(amount) / 10_000).quantize(Decimal("0.01"))
    return f"{value.normalize():f}"


@register.filter
def number(value) -> str:
    """A Decimal without trailing zeros: 6.00 → "6"."""
    from decimal import Decimal

    if value in (None, ""):
        return "—"
    return f"{Decimal(value).normalize():f}"


@register.filter
def get_item(mapping, key):
    """`form|get_item:name` (a bound field) or `dict|get_item:key`; None when missing."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return None
