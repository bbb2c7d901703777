"""Checking a return's values: every problem in one pass, each tied to its cell.

The same checks run on an uploaded workbook (dry run and apply), on the web form, on the API and
at submission, so a city hears the same thing whichever way it enters its figures.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.problems import BLOCKING, WARNING, Problem, blocking, problems_error
from reporting import expressions
from reporting.models import DataElement, ValidationRule

# Problem, blocking() and problems_error() are the portal's, shared by every import.
__all__ = ["BLOCKING", "WARNING", "Entry", "Problem", "blocking", "check_entries", "problems_error"]


@dataclass(frozen=True)
class Entry:
    """One element's figure as entered: the value (None when left empty), its comment, and the
    cells it was read from (a workbook's "F7", or the web form's field)."""

    code: str
    value: Decimal | None
    comment: str = ""
    sheet: str = ""
    cell: str = ""
    comment_cell: str = ""


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def check_entries(
    *,
    elements: list[DataElement],
    entries: Mapping[str, Entry],
    previous: Mapping[str, Decimal],
    rules: Iterable[ValidationRule],
    require_all: bool = False,
) -> list[Problem]:
    """Bounds, whole numbers and the validation rules over `entries` (code → Entry).

    `previous` holds last period's values for prev(CODE). A rule is skipped when a value it needs
    is missing; `require_all` (at submission) makes a missing value itself a problem.
    """
    problems: list[Problem] = []
    by_code = {element.code: element for element in elements}
    for element in elements:
        entry = entries.get(element.code)
        if entry is None or entry.value is None:
            if require_all:
                problems.append(
                    Problem(
                        _("%(name)s has no value: enter a figure (0 when there is none).")
                        % {"name": element.name},
                        sheet=entry.sheet if entry else "",
                        cell=entry.cell if entry else element.code,
                        code=element.code,
                    )
                )
            continue
        where = {"sheet": entry.sheet, "cell": entry.cell or element.code, "code": element.code}
        value = entry.value
        if element.is_integer and value != value.to_integral_value():
            problems.append(
                Problem(
                    _("%(name)s is counted in whole numbers; %(value)s is not one.")
                    % {"name": element.name, "value": _fmt(value)},
                    **where,
                )
            )
        if element.lower_bound is not None and value < element.lower_bound:
            message = (
                _("%(name)s cannot be negative (%(value)s).")
                if element.lower_bound == 0
                else _("%(name)s must be at least %(bound)s; %(value)s is lower.")
            )
            problems.append(
                Problem(
                    message
                    % {
                        "name": element.name,
                        "value": _fmt(value),
                        "bound": _fmt(element.lower_bound),
                    },
                    **where,
                )
            )
        if element.upper_bound is not None and value > element.upper_bound:
            problems.append(
                Problem(
                    _("%(name)s must be at most %(bound)s; %(value)s is higher.")
                    % {
                        "name": element.name,
                        "value": _fmt(value),
                        "bound": _fmt(element.upper_bound),
                    },
                    **where,
                )
            )
    current = {code: e.value for code, e in entries.items() if e.value is not None}
    for rule in rules:
        for code, left, right, condition in _expand(rule, elements):
            if condition is not None:
                met = _holds(condition, current, previous)
                if not met:
                    continue
            left_value = left.evaluate(current, previous)
            right_value = right.evaluate(current, previous)
            if left_value is None or right_value is None:
                continue
            if expressions.compare(left_value, rule.operator, right_value):
                continue
            entry = entries.get(code)
            if rule.comment_excuses and entry is not None and entry.comment.strip():
                continue
            name = by_code[code].name if code in by_code else code
            problems.append(
                Problem(
                    _(
                        "%(name)s: %(message)s "
                        "(%(left)s %(op)s %(right)s does not hold: %(lv)s vs %(rv)s)"
                    )
                    % {
                        "name": name,
                        "message": rule.message,
                        "left": left.text,
                        "op": rule.get_operator_display(),
                        "right": right.text,
                        "lv": _fmt(left_value),
                        "rv": _fmt(right_value),
                    },
                    sheet=entry.sheet if entry else "",
                    cell=(entry.cell if entry else "") or code,
                    code=code,
                    importance=rule.importance,
                )
            )
    return problems


def _holds(condition, current, previous) -> bool:
    left, operator, right = condition
    lv, rv = left.evaluate(current, previous), right.evaluate(current, previous)
    return lv is not None and rv is not None and expressions.compare(lv, operator, rv)


CONDITION_OPERATORS = ("<=", ">=", "==", "!=", "<", ">")


def parse_condition(text: str):
    """ "PLEDGE_AMOUNT > 0" → (left, operator, right) expressions."""
    for operator in CONDITION_OPERATORS:
        if operator in text:
            left, right = text.split(operator, 1)
            return expressions.parse(left), operator, expressions.parse(right)
    raise ValidationError(
        _("“%(text)s” needs a comparison such as PLEDGE_AMOUNT > 0.") % {"text": text},
        code="condition",
    )


def _expand(rule: ValidationRule, elements: list[DataElement]):
    """The rule's (cell code, left, right, condition) for each element it applies to."""
    condition = parse_condition(rule.condition) if rule.condition.strip() else None
    if not rule.for_each:
        left = expressions.parse(rule.left)
        right = expressions.parse(rule.right)
        used = sorted(left.codes() | left.previous_codes())
        yield (used[0] if used else ""), left, right, condition
        return
    left = expressions.parse(rule.left, allow_placeholder=True)
    right = expressions.parse(rule.right, allow_placeholder=True)
    for element in elements:
        if _applies(rule.for_each, element):
            yield (
                element.code,
                left.substitute(element.code),
                right.substitute(element.code),
                (condition),
            )


def _applies(for_each: str, element: DataElement) -> bool:
    match for_each:
        case ValidationRule.ForEach.STOCK:
            return element.kind == DataElement.Kind.STOCK
        case ValidationRule.ForEach.FLOW:
            return element.kind == DataElement.Kind.FLOW
        case ValidationRule.ForEach.MONEY:
            return element.unit == DataElement.Unit.WAN_YUAN
        case ValidationRule.ForEach.ALL:
            return True
    return False


def rule_check_definition(*, left: str, right: str, condition: str, for_each: str) -> None:
    """Refuse a rule that does not parse or names an unknown element (used by the rule form)."""
    known = set(DataElement.objects.values_list("code", flat=True))
    placeholder = bool(for_each)
    parsed = [
        ("left", expressions.parse(left, allow_placeholder=placeholder)),
        ("right", expressions.parse(right, allow_placeholder=placeholder)),
    ]
    if condition.strip():
        c_left, _op, c_right = parse_condition(condition)
        parsed += [("condition", c_left), ("condition", c_right)]
    errors: dict[str, list[str]] = {}
    for field, expression in parsed:
        unknown = (expression.codes() | expression.previous_codes()) - known - {"$"}
        if unknown:
            errors.setdefault(field, []).append(
                _("Unknown data element: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
            )
    if errors:
        raise ValidationError(errors)
