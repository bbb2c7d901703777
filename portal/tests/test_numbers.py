"""Reading typed numbers (portal.numbers.parse_number): what is read, and what is refused."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from portal.numbers import NumberError, parse_number

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# No value ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", " ", "   ", "\t\n", "\u3000", "\xa0", "\u3000 \xa0"])
@pytest.mark.parametrize("integer", [True, False])
def test_empty_is_no_value(raw, integer):
    assert parse_number(raw, integer=integer) is None


# Python values from Excel --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, D(0)),
        (1234, D(1234)),
        (-5, D(-5)),
        (10**20, D(10**20)),
        (1234.0, D(1234)),
        (-3.0, D(-3)),
        (0.1, D("0.1")),
        (1234.5, D("1234.5")),
        (-0.25, D("-0.25")),
        (D("12.50"), D("12.50")),
        (D(-7), D(-7)),
    ],
)
def test_python_numbers(raw, expected):
    result = parse_number(raw, integer=False)
    assert result == expected
    assert isinstance(result, Decimal)


def test_float_is_read_through_repr_not_binary():
    assert str(parse_number(0.1, integer=False)) == "0.1"
    assert str(parse_number(1234.0, integer=False)) == "1234"


def test_decimal_passes_through_unchanged():
    value = D("12.50")
    assert parse_number(value, integer=False) is value


@pytest.mark.parametrize(
    "raw",
    [True, False, float("nan"), float("inf"), float("-inf"), D("NaN"), D("Infinity"), [1], {}],
)
def test_python_values_that_are_not_numbers(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw, integer=False)
    assert caught.value.message == f"“{raw}” is not a number."


@pytest.mark.parametrize("raw", [date(2025, 6, 30), datetime(2025, 6, 30, 12, 0)])  # noqa: DTZ001
def test_dates_are_not_numbers(raw):
    with pytest.raises(NumberError, match="is not a number"):
        parse_number(raw, integer=False)


# Text that is read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", D("0")),
        ("1234", D("1234")),
        ("1234.5", D("1234.5")),
        ("0.05", D("0.05")),
        (".5", D("0.5")),
        ("5.", D("5")),
        ("007", D("7")),
        # Signs
        ("+12", D("12")),
        ("-12", D("-12")),
        ("-0", D("0")),
        ("\u221212", D("-12")),  # minus sign
        ("\uff0d12", D("-12")),  # full-width hyphen-minus
        ("\uff0b12", D("12")),  # full-width plus
        # Surrounding whitespace
        ("  1234  ", D("1234")),
        ("\t1234\n", D("1234")),
        ("\u30001234\u3000", D("1234")),  # ideographic space
        ("\xa01234\xa0", D("1234")),  # no-break space
        ("\u200b1234\ufeff", D("1234")),  # invisible characters pasted from a web page
        # Full-width forms from a Chinese input method
        ("１２３４", D("1234")),
        ("１２３４．５", D("1234.5")),
        ("１，２３４", D("1234")),
        ("1，234.5", D("1234.5")),
        ("－１２", D("-12")),
        ("１２％", D("12")),
        # Per cent is dropped: the element knows its unit
        ("12%", D("12")),
        ("12.5%", D("12.5")),
        ("-3%", D("-3")),
        ("12 %", D("12")),
        # Thousands separators in groups of three
        ("1,234", D("1234")),
        ("12,345", D("12345")),
        ("123,456", D("123456")),
        ("1,234,567", D("1234567")),
        ("1,234.5", D("1234.5")),
        ("1,234,567.89", D("1234567.89")),
        ("-1,234", D("-1234")),
        ("+1,234.5", D("1234.5")),
        ("1,234%", D("1234")),
    ],
)
def test_text_is_read(raw, expected):
    assert parse_number(raw, integer=False) == expected


# Text that is refused ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1,23",
        "12,3456",
        "1.234,5",
        ",123",
        "1,234,5",
        "1,2345",
        "1234,567",
        "1,,234",
        "1,234,",
        "0,123",
        "01,234",
        "1,234.5.6",
        "１，２３",  # full-width comma, wrong group
    ],
)
def test_ambiguous_comma(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw, integer=False)
    assert caught.value.message == f"“{raw}”: the comma is ambiguous; write 1234.5 or 1,234.5."


@pytest.mark.parametrize(
    "raw",
    [
        "12 345",  # internal space
        "1 234.5",
        "- 12",
        "1.2.3",
        "1..2",
        ".",
        "-",
        "+",
        "%",
        "12%%",
        "%12",
        "+-12",
        "--12",
        "12-",
        "abc",
        "12a",
        "O12",
        "1e5",
        "1E5",
        "1.5e-3",
        "NaN",
        "Infinity",
        "0x1F",
        "1_000",
        "(12)",
        "¥12",
        "$12",
        "12元",
        "1/2",
        "½",
        "1²",  # NFKC would make this 12
        "①",  # NFKC would make this 1
        "\U0001d7cf",  # mathematical bold 1
        "١٢",  # Arabic-Indic digits
        "1\u30022",  # ideographic full stop is not a decimal point
        "1、234",  # enumeration comma
    ],
)
def test_not_a_number(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw, integer=False)
    assert caught.value.message == f"“{raw}” is not a number."


@pytest.mark.parametrize("raw", ["12万", "1.5亿", "12 万", "3萬", "1億", "万"])
def test_large_units_are_refused(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw, integer=False)
    assert caught.value.message == (
        f"“{raw}”: leave out 万 and 亿 and write the number in the unit of the row."
    )


def test_message_quotes_the_text_as_typed():
    with pytest.raises(NumberError) as caught:
        parse_number(" １２ ３４ ", integer=False)
    assert caught.value.message == "“ １２ ３４ ” is not a number."


def test_number_error_is_a_value_error():
    with pytest.raises(ValueError, match="is not a number"):
        parse_number("x", integer=False)


# Whole numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", D(12)),
        ("12.0", D(12)),
        ("12.", D(12)),
        ("1,234.00", D(1234)),
        ("-3", D(-3)),
        ("１２", D(12)),
        (12, D(12)),
        (12.0, D(12)),
        (D("12.00"), D(12)),
    ],
)
def test_whole_numbers(raw, expected):
    result = parse_number(raw, integer=True)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    "raw", ["12.5", "0.1", "1,234.5", "-0.5", "12.5%", 12.5, 0.1, D("12.01"), D("0.5")]
)
def test_not_a_whole_number(raw):
    with pytest.raises(NumberError) as caught:
        parse_number(raw, integer=True)
    assert caught.value.message == f"“{raw}” is not a whole number."


@pytest.mark.parametrize("raw", ["12.5", 12.5, D("12.01")])
def test_fractions_are_fine_when_not_counting(raw):
    assert parse_number(raw, integer=False) == D(str(raw))


def test_integer_is_keyword_only():
    with pytest.raises(TypeError):
        parse_number("12", True)
