"""Checking a return's values: every problem in one pass, each tied to its cell.

The same checks run on an uploaded workbook (dry run and apply), on the web form, on the API and
at submission, so a city hears the same thing whichever way it enters its figures.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import formats
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
    """A figure in a message: separators, up to four decimals (a bound or a ratio may need
    them; a whole number shows none)."""
    return formats.number(value, places=4)


def _quoted(text: str) -> str:
    """A name or an administrator's message inside a sentence of the portal: as it is in
    Chinese; quoted in English, where it stays Chinese (统计指标项 names are data)."""
    return text if formats.chinese() else f"“{formats.nested_quotes(text)}”"


# A rule as a city reads it ---------------------------------------------------------------------

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷"}


def describe(expression: expressions.Expression, names: Mapping[str, str]) -> str:
    """A rule's side in words a city reads: element names for codes, and prev(CODE) as the
    element's figure of the previous quarter (上季度有效发明专利拥有量), never the formula."""
    return _described(expression.tree, names)


def _described(node: expressions.Node, names: Mapping[str, str]) -> str:
    if isinstance(node, expressions.Number):
        return _fmt(node.value)
    if isinstance(node, expressions.Code):
        name = names.get(node.name, node.name)
        if node.name != expressions.PLACEHOLDER:
            name = _quoted(name)
        return _("%(name)s of the previous quarter") % {"name": name} if node.previous else name
    if isinstance(node, expressions.Negative):
        return f"-{_bracketed(node.operand, 3, names)}"
    precedence = PRECEDENCE[node.operator]
    left = _bracketed(node.left, precedence, names)
    # a − (b − c), a ÷ (b × c): the right side of − and ÷ keeps its brackets at equal rank
    right = _bracketed(node.right, precedence + (node.operator in "-/"), names)
    return f"{left} {SYMBOLS[node.operator]} {right}"


def _bracketed(node: expressions.Node, rank: int, names: Mapping[str, str]) -> str:
    text = _described(node, names)
    if isinstance(node, expressions.Binary) and PRECEDENCE[node.operator] < rank:
        return f"({text})"
    return text


def _operator(operator: str) -> str:
    return dict(ValidationRule.Operator.choices).get(operator, operator)


def describe_rule(rule: ValidationRule, left, right, condition, names: Mapping[str, str]) -> str:
    """What the rule requires, in names: 高价值发明专利拥有量 ≤ 有效发明专利拥有量; with its
    condition first when it has one (专利质押融资金额 > 0 时，专利质押融资项目数 > 0)."""
    text = f"{describe(left, names)} {_operator(rule.operator)} {describe(right, names)}"
    if condition is None:
        return text
    c_left, c_operator, c_right = condition
    when = f"{describe(c_left, names)} {_operator(c_operator)} {describe(c_right, names)}"
    return _("when %(condition)s, %(rule)s") % {"condition": when, "rule": text}


def rule_in_words(rule: ValidationRule, names: Mapping[str, str]) -> str:
    """A rule in names, as the set-up page explains it beside its formula ("" when the stored
    formula no longer parses: the formula itself shows what is wrong)."""
    placeholder = bool(rule.for_each)
    try:
        left = expressions.parse(rule.left, allow_placeholder=placeholder)
        right = expressions.parse(rule.right, allow_placeholder=placeholder)
        condition = parse_condition(rule.condition) if rule.condition.strip() else None
    except ValidationError:
        return ""
    names = {**names, expressions.PLACEHOLDER: _("the element")}
    return describe_rule(rule, left, right, condition, names)


def _names(elements: list[DataElement], rules: list[ValidationRule]) -> dict[str, str]:
    """Element names by code: the form's, and any other element a rule reads."""
    names = {element.code: element.name for element in elements}
    wanted = set()
    for rule in rules:
        for text in (rule.left, rule.right, rule.condition):
            wanted |= set(expressions.CODE_PATTERN.findall(text or ""))
    missing = wanted - set(names) - {expressions.PLACEHOLDER}
    if missing:
        names.update(DataElement.objects.filter(code__in=missing).values_list("code", "name"))
    return names


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
    rules = list(rules)
    names: dict[str, str] | None = None  # read when a rule breaks
    for element in elements:
        entry = entries.get(element.code)
        if entry is None or entry.value is None:
            if require_all:
                problems.append(
                    Problem(
                        _("%(name)s has no value: enter a figure (0 when there is none).")
                        % {"name": _quoted(element.name)},
                        sheet=entry.sheet if entry else "",
                        cell=entry.cell if entry else element.name,
                        code=element.code,
                    )
                )
            continue
        where = {"sheet": entry.sheet, "cell": entry.cell or element.name, "code": element.code}
        value = entry.value
        if element.is_integer and value != value.to_integral_value():
            problems.append(
                Problem(
                    _("%(name)s is counted in whole numbers; %(value)s is not one.")
                    % {"name": _quoted(element.name), "value": _fmt(value)},
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
                        "name": _quoted(element.name),
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
                        "name": _quoted(element.name),
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
            if names is None:
                names = _names(elements, rules)
            name = names.get(code, code)
            problems.append(
                Problem(
                    _("%(name)s: %(message)s (required: %(rule)s; found %(lv)s and %(rv)s).")
                    % {
                        "name": _quoted(name),
                        "message": _quoted(rule.message.strip().rstrip("。.")),
                        "rule": describe_rule(rule, left, right, condition, names),
                        "lv": _fmt(left_value),
                        "rv": _fmt(right_value),
                    },
                    sheet=entry.sheet if entry else "",
                    cell=(entry.cell if entry else "") or name,
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
        _("“%(text)s” needs a comparison (<, <=, ==, !=, >=, >) of an element with a figure.")
        % {"text": text},
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
                _("Unknown data element: %(codes)s.") % {"codes": formats.names(sorted(unknown))}
            )
    if errors:
        raise ValidationError(errors)
