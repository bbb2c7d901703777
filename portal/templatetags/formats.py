"""The conventions of portal/formats.py as template filters, built into every template
(config/settings.py TEMPLATES builtins): `{{ call.closes_at|moment }}`, `{{ q|period }}`,
`{{ amount|money:unit }}`, `{{ unit|money_unit }}`, `{{ n|count }}`, `{{ rate|percent }}`."""

from django import template

from portal import formats

register = template.Library()

register.filter("day", formats.day)
register.filter("moment", formats.moment)
register.filter("month_label", formats.month)
register.filter("year_label", formats.year)
register.filter("as_of", formats.as_of)
register.filter("period", formats.period)
register.filter("period_short", formats.period_short)
register.filter("period_official", formats.period_official)
register.filter("count", formats.count)
register.filter("percent", formats.percent)
register.filter("percent_value", formats.percent_value)
register.filter("yes_no", formats.yes_no)
register.filter("money_with_unit", formats.money_with_unit)
register.filter("yuan", formats.yuan)
register.filter("nested_quotes", formats.nested_quotes)


@register.filter
def money(yuan, unit: str = "wan") -> str:
    """`{{ amount|money }}` in 万元, `{{ amount|money:"yi" }}` in 亿元 (unit in the header)."""
    return formats.money(yuan, "yi" if unit == "yi" else "wan")


@register.filter
def money_unit(unit: str = "wan") -> str:
    """`{{ "wan"|money_unit }}` → 万元 (CNY 10k): the unit for a column header."""
    return formats.unit_label("yi" if unit == "yi" else "wan")


@register.filter
def number(value, places: int = 2) -> str:
    return formats.number(value, int(places))


@register.filter
def choice_label(code, choices) -> str:
    """`{{ code|choice_label:choices }}`: a code through its label, never the code itself."""
    return formats.label(choices, code)


@register.simple_tag
def colon() -> str:
    """`{{ label }}{% colon %}{{ value }}`: full-width ： in Chinese, ": " in English."""
    return formats.colon()


@register.filter
def figure(value, unit: str = "") -> str:
    """`{{ value|figure:element.unit }}`: a count (件, 家, …) as an integer, else a number."""
    return formats.figure(value, str(unit or ""))
