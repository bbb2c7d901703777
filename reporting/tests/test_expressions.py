"""The validation-rule expression language (reporting.expressions): grammar, errors, values."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from reporting.expressions import Expression, compare, parse

D = Decimal

CURRENT = {"A": D(10), "B": D(4), "C": D(0), "PLEDGE_AMOUNT": D("1200.5"), "X1": D(3)}
PREVIOUS = {"A": D(8), "B": D(5)}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Evaluation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", D(0)),
        ("42", D(42)),
        ("1.5", D("1.5")),
        ("A", D(10)),
        ("PLEDGE_AMOUNT", D("1200.5")),
        ("X1", D(3)),
        ("A + B", D(14)),
        ("A - B", D(6)),
        ("A * B", D(40)),
        ("A / B", D("2.5")),
        # Precedence and associativity
        ("A + B * 2", D(18)),
        ("(A + B) * 2", D(28)),
        ("A - B - 1", D(5)),
        ("A - (B - 1)", D(7)),
        ("A / B / 5", D("0.5")),
        ("A / (B / 2)", D(5)),
        ("2 * 3 + 4 * 5", D(26)),
        ("((A))", D(10)),
        # Unary minus
        ("-A", D(-10)),
        ("--A", D(10)),
        ("-A * B", D(-40)),
        ("A - -B", D(14)),
        ("-(A + B)", D(-14)),
        ("A * -1", D(-10)),
        # Previous period
        ("prev(A)", D(8)),
        ("A - prev(A)", D(2)),
        ("prev( A )", D(8)),
        ("prev (B) * 2", D(10)),
        ("(A - prev(A)) / prev(A) * 100", D(25)),
        # Whitespace is ignored
        ("A+B*2", D(18)),
        ("  A\t+\nB  ", D(14)),
        # Decimal, not binary floating point
        ("0.1 + 0.2", D("0.3")),
        ("PLEDGE_AMOUNT * 3", D("3601.5")),
    ],
)
def test_evaluate(text, expected):
    assert parse(text).evaluate(CURRENT, PREVIOUS) == expected


def test_arithmetic_is_decimal():
    result = parse("0.1 + 0.2").evaluate({}, {})
    assert isinstance(result, Decimal)
    assert str(result) == "0.3"


@pytest.mark.parametrize(
    "text",
    [
        "MISSING",
        "A + MISSING",
        "MISSING * 0",
        "prev(C)",  # C has no previous value
        "-prev(MISSING)",
        "A / C",  # division by zero
        "A / (B - 4)",
        "C / C",
        "(A / C) * 0",
    ],
)
def test_skipped_when_a_value_is_missing_or_divisor_is_zero(text):
    assert parse(text).evaluate(CURRENT, PREVIOUS) is None


def test_none_in_the_mapping_counts_as_missing():
    assert parse("A + B").evaluate({"A": D(1), "B": None}, {}) is None


def test_integer_values_are_accepted():
    assert parse("A + prev(A)").evaluate({"A": 2}, {"A": 3}) == D(5)


# Codes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes", "previous_codes"),
    [
        ("1 + 2", set(), set()),
        ("A", {"A"}, set()),
        ("A + B * A", {"A", "B"}, set()),
        ("prev(A)", set(), {"A"}),
        ("A - prev(A)", {"A"}, {"A"}),
        ("(PLEDGE_AMOUNT - prev(B)) / -C", {"PLEDGE_AMOUNT", "C"}, {"B"}),
    ],
)
def test_codes(text, codes, previous_codes):
    expression = parse(text)
    assert expression.codes() == codes
    assert expression.previous_codes() == previous_codes


# Placeholder ---------------------------------------------------------------------------------


def test_placeholder_is_substituted():
    expression = parse("$ - prev($)", allow_placeholder=True)
    assert expression.codes() == {"$"}
    assert expression.previous_codes() == {"$"}
    substituted = expression.substitute("PATENTS_HELD")
    assert substituted.text == "PATENTS_HELD - prev(PATENTS_HELD)"
    assert substituted.codes() == {"PATENTS_HELD"}
    assert substituted.previous_codes() == {"PATENTS_HELD"}
    assert substituted.evaluate({"PATENTS_HELD": D(12)}, {"PATENTS_HELD": D(10)}) == D(2)
    assert substituted == parse("PATENTS_HELD - prev(PATENTS_HELD)")


def test_substitute_leaves_the_original_unchanged():
    expression = parse("$ * 2 + A", allow_placeholder=True)
    expression.substitute("B")
    assert expression.text == "$ * 2 + A"
    assert expression.codes() == {"$", "A"}


def test_substitute_without_placeholder_is_the_same_expression():
    assert parse("A + 1").substitute("B") == parse("A + 1")


@pytest.mark.parametrize("code", ["", "a", "1A", "A B", "A+B", "$"])
def test_substitute_refuses_what_is_not_a_code(code):
    with pytest.raises(ValueError):
        parse("$", allow_placeholder=True).substitute(code)


def test_evaluating_an_unsubstituted_placeholder_is_a_programming_error():
    with pytest.raises(ValueError):
        parse("$ + 1", allow_placeholder=True).evaluate({"$": D(1)}, {})


@pytest.mark.parametrize(("text", "position"), [("$", 1), ("A + $", 5), ("prev($)", 6)])
def test_placeholder_refused_unless_allowed(text, position):
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert caught.value.code == "expression"
    assert caught.value.message == (
        f"“{text}”: “$” at position {position} is only allowed in a rule applied to every element."
    )


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token", "position"),
    [
        ("A +* B", "*", 4),
        ("A B", "B", 3),
        ("2A", "A", 2),
        ("2 (A)", "(", 3),
        ("(A))", ")", 4),
        (")", ")", 1),
        ("A + b", "b", 5),  # codes are upper case
        ("Abc", "Abc", 1),
        ("patents", "patents", 1),
        ("_A", "_A", 1),
        ("PREV(A)", "(", 5),  # PREV is a code, and a code is not followed by (
        ("prev A", "A", 6),
        ("prev(1)", "1", 6),
        ("prev(prev(A))", "prev", 6),
        ("prev((A))", "(", 6),
        ("prev(A + B)", "+", 8),
        ("+A", "+", 1),  # no unary plus in the grammar
        ("A ** 2", "*", 4),
        ("1.", ".", 2),
        (".5", ".", 1),
        ("1.2.3", ".", 4),
        ("A % B", "%", 3),
        ("A ^ 2", "^", 3),
        ("A == B", "=", 3),
        ("A <= B", "<", 3),
        ("1e5", "e5", 2),
        ("A（B）", "（", 2),
        ("A; import os", ";", 2),
        ("__import__('os')", "__import__", 1),
        ("A.B", ".", 2),
        # The first problem from the left is the one reported.
        ("A B c", "B", 3),
        ("A + b c", "b", 5),
        ("A # $", "#", 3),
        ("A $", "$", 3),
    ],
)
def test_unexpected_token(text, token, position):
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert caught.value.code == "expression"
    assert caught.value.message == f"“{text}”: unexpected “{token}” at position {position}."


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("", 1),
        ("   ", 4),
        ("A +", 4),
        ("A *", 4),
        ("(A + B", 7),
        ("-", 2),
        ("prev", 5),
        ("prev(", 6),
        ("prev(A", 7),
    ],
)
def test_incomplete(text, position):
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert caught.value.code == "expression"
    assert caught.value.message == (
        f"“{text}”: the expression is incomplete at position {position}."
    )


@pytest.mark.parametrize(
    ("text", "position"), [("(" * 60 + "A" + ")" * 60, 51), ("-" * 60 + "A", 51)]
)
def test_nesting_is_limited(text, position):
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert caught.value.message == (
        f"“{text}”: too many nested brackets or minus signs at position {position}."
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("(" * 50 + "A" + ")" * 50, D(10)), ("-" * 50 + "A", D(10))]
)
def test_reasonable_nesting_is_fine(text, expected):
    assert parse(text).evaluate(CURRENT, PREVIOUS) == expected


def test_expressions_are_immutable_values():
    expression = parse("A + 1")
    assert isinstance(expression, Expression)
    assert expression == parse("A + 1")
    assert hash(expression) == hash(parse("A + 1"))
    with pytest.raises(AttributeError):
        expression.text = "B"


# Comparison ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "operator", "right", "expected"),
    [
        (D(1), "<=", D(2), True),
        (D(2), "<=", D(2), True),
        (D(3), "<=", D(2), False),
        (D(1), "<", D(2), True),
        (D(2), "<", D(2), False),
        (D(2), "==", D("2.00"), True),
        (D(2), "==", D("2.01"), False),
        (D(2), "!=", D("2.01"), True),
        (D(2), "!=", D("2.0"), False),
        (D(2), ">=", D(2), True),
        (D(1), ">=", D(2), False),
        (D(3), ">", D(2), True),
        (D(2), ">", D(2), False),
        (D(-1), ">", D(-2), True),
    ],
)
def test_compare(left, operator, right, expected):
    assert compare(left, operator, right) is expected


@pytest.mark.parametrize("operator", ["=", "≤", "<>", "=>", "", "in"])
def test_compare_refuses_unknown_operators(operator):
    with pytest.raises(ValueError):
        compare(D(1), operator, D(2))


# Told in names (reporting.validation.describe): what a city reads of a rule ------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("A", "“甲”"),
        ("prev(A)", "“甲” of the previous quarter"),
        ("A - B - C", "“甲” − “乙” − “丙”"),
        ("A - (B - C)", "“甲” − (“乙” − “丙”)"),
        ("(A + B) * 2", "(“甲” + “乙”) × 2"),
        ("A / (B * C)", "“甲” ÷ (“乙” × “丙”)"),
        ("(A - prev(A)) / prev(A) * 100", "(“甲” − “甲” of the previous quarter) ÷ "
         "“甲” of the previous quarter × 100"),
        ("-(A + B)", "-(“甲” + “乙”)"),
        ("A * 0.0001", "“甲” × 0.0001"),
    ],
)  # fmt: skip
def test_an_expression_is_told_in_element_names(text, words):
    from reporting.validation import describe

    assert describe(parse(text), {"A": "甲", "B": "乙", "C": "丙"}) == words


def test_in_chinese_a_previous_figure_is_the_previous_quarters():
    from reporting.validation import describe

    with translation.override("zh-hans"):
        assert describe(parse("A - prev(A)"), {"A": "有效发明专利拥有量"}) == (
            "有效发明专利拥有量 − 上季度有效发明专利拥有量"
        )
