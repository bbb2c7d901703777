from decimal import Decimal

from django import template

from incentives.entitlement import money

register = template.Library()


@register.filter
def yuan(amount) -> str:
    """Yuan to the fen with thousands separators: 500000 → "500,000.00"; "—" when unknown."""
    if amount in (None, ""):
        return "—"
    return money(Decimal(amount))


@register.filter
def percent(rate) -> str:
    """A rate as a percentage: 0.5 → "50"."""
    if rate in (None, ""):
        return "—"
    return f"{(Decimal(rate) * 100).normalize():f}"


@register.filter
def kind_labels(codes) -> str:
    """Organisation kind codes as their labels, joined: ["enterprise"] → "企业"."""
    from portal.models import Organisation

    labels = dict(Organisation.Kind.choices)
    return "、".join(str(labels.get(code, code)) for code in codes or [])
