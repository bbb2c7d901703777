"""Quarters (portal.periods): parsing every form people write, and the calendar arithmetic."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.periods import Quarter, quarter_choices

Q = Quarter


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025Q2", Q(2025, 2)),
        ("2025q2", Q(2025, 2)),
        (" 2025 Q2 ", Q(2025, 2)),
        ("2025-Q2", Q(2025, 2)),
        ("2025-q4", Q(2025, 4)),
        ("2025  Q1", Q(2025, 1)),
        ("\t2024Q3\n", Q(2024, 3)),
        ("1999Q1", Q(1999, 1)),
        ("9999Q4", Q(9999, 4)),
    ],
)
def test_parse_accepts(text, expected):
    assert Quarter.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2025",
        "Q2",
        "2025Q0",
        "2025Q5",
        "2025Q",
        "2025Q12",
        "202Q2",  # three-digit year
        "20255Q2",
        "25Q2",
        "0000Q1",
        "2025 - Q2",
        "2025--Q2",
        "2025_Q2",
        "2025/Q2",
        "2025Q2Q3",
        "2025Q2x",
        "2025 Q 2",
        "2025-2",
        "2025年第5季度",
        "2025年第〇季度",
        "2025年Q5",
        "Q2 25",
        "２０２５Q２",  # full-width digits are not read as a period
        "٢٠٢٥Q2",  # Arabic-Indic digits
    ],
)
def test_parse_refuses(text):
    with pytest.raises(ValidationError) as caught:
        Quarter.parse(text)
    assert caught.value.code == "period"
    assert caught.value.message == f"“{text}” is not a quarter such as Q2 2025."


@pytest.mark.parametrize(
    "text", ["2025年第二季度", "2025年第2季度", "2025年 第二季度", "2025年Q2", "Q2 2025", "q2 2025"]
)
def test_parse_reads_the_written_forms(text):
    """What the portal's pages and workbooks write (portal/formats.py) reads back."""
    assert Quarter.parse(text) == Q(2025, 2)


def test_parse_refuses_a_non_string():
    with pytest.raises(ValidationError) as caught:
        Quarter.parse(None)
    assert caught.value.code == "period"


def test_parse_message_is_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        Quarter.parse("2025Q5")
    assert "2025Q5" in caught.value.message


@pytest.mark.parametrize(("year", "quarter"), [(2025, 0), (2025, 5), (0, 1), (10000, 1)])
def test_constructor_refuses_impossible_quarters(year, quarter):
    with pytest.raises(ValueError):
        Quarter(year, quarter)


@pytest.mark.parametrize("text", ["2025Q1", "2025Q4", "0999Q3", "2000Q2"])
def test_str_round_trips(text):
    assert str(Quarter.parse(text)) == text


# Dates and labels ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (Q(2025, 1), date(2025, 1, 1), date(2025, 3, 31)),
        (Q(2025, 2), date(2025, 4, 1), date(2025, 6, 30)),
        (Q(2025, 3), date(2025, 7, 1), date(2025, 9, 30)),
        (Q(2025, 4), date(2025, 10, 1), date(2025, 12, 31)),
        (Q(2024, 1), date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_start_and_end(quarter, start, end):
    assert quarter.start == start
    assert quarter.end == end


@pytest.mark.parametrize(
    ("quarter", "label"),
    [
        (Q(2025, 1), "2025年第一季度"),
        (Q(2025, 2), "2025年第二季度"),
        (Q(2024, 4), "2024年第四季度"),
    ],
)
def test_label_is_chinese_in_every_language(quarter, label):
    assert quarter.label == label
    with translation.override("zh-hans"):
        assert quarter.label == label


@pytest.mark.parametrize(
    ("quarter", "days", "due"),
    [
        (Q(2025, 1), 15, date(2025, 4, 15)),
        (Q(2025, 2), 15, date(2025, 7, 15)),
        (Q(2025, 4), 20, date(2026, 1, 20)),
        (Q(2024, 4), 0, date(2024, 12, 31)),
    ],
)
def test_due_date(quarter, days, due):
    assert quarter.due_date(days) == due


# Arithmetic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "previous", "following"),
    [
        (Q(2025, 2), Q(2025, 1), Q(2025, 3)),
        (Q(2025, 1), Q(2024, 4), Q(2025, 2)),
        (Q(2025, 4), Q(2025, 3), Q(2026, 1)),
    ],
)
def test_previous_and_next(quarter, previous, following):
    assert quarter.previous() == previous
    assert quarter.next() == following


@pytest.mark.parametrize(
    ("quarter", "n", "expected"),
    [
        (Q(2025, 2), 0, Q(2025, 2)),
        (Q(2025, 2), 2, Q(2025, 4)),
        (Q(2025, 2), 3, Q(2026, 1)),
        (Q(2025, 2), 4, Q(2026, 2)),
        (Q(2025, 2), 11, Q(2028, 1)),
        (Q(2025, 2), -1, Q(2025, 1)),
        (Q(2025, 2), -2, Q(2024, 4)),
        (Q(2025, 2), -5, Q(2024, 1)),
        (Q(2025, 1), -8, Q(2023, 1)),
    ],
)
def test_shift(quarter, n, expected):
    assert quarter.shift(n) == expected


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        (Q(2025, 1), [Q(2025, 1)]),
        (Q(2025, 2), [Q(2025, 1), Q(2025, 2)]),
        (Q(2025, 4), [Q(2025, 1), Q(2025, 2), Q(2025, 3), Q(2025, 4)]),
    ],
)
def test_year_to_date(quarter, expected):
    assert quarter.year_to_date() == expected


@pytest.mark.parametrize(
    ("day", "containing", "last_completed"),
    [
        (date(2025, 1, 1), Q(2025, 1), Q(2024, 4)),
        (date(2025, 3, 31), Q(2025, 1), Q(2024, 4)),
        (date(2025, 4, 1), Q(2025, 2), Q(2025, 1)),
        (date(2025, 6, 30), Q(2025, 2), Q(2025, 1)),
        (date(2025, 7, 15), Q(2025, 3), Q(2025, 2)),
        (date(2025, 12, 31), Q(2025, 4), Q(2025, 3)),
    ],
)
def test_containing_and_last_completed(day, containing, last_completed):
    assert Quarter.containing(day) == containing
    assert Quarter.last_completed(day) == last_completed


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (Q(2025, 2), Q(2025, 2), [Q(2025, 2)]),
        (Q(2024, 3), Q(2025, 1), [Q(2024, 3), Q(2024, 4), Q(2025, 1)]),
        (Q(2025, 3), Q(2025, 2), []),
        (Q(2026, 1), Q(2025, 4), []),
    ],
)
def test_span(first, last, expected):
    assert Quarter.span(first, last) == expected


def test_order_is_time_order_and_matches_text_order():
    quarters = [Q(2025, 1), Q(2024, 4), Q(2025, 3), Q(2023, 2), Q(2025, 2)]
    assert sorted(quarters) == [Q(2023, 2), Q(2024, 4), Q(2025, 1), Q(2025, 2), Q(2025, 3)]
    assert sorted(str(q) for q in quarters) == [str(q) for q in sorted(quarters)]
    assert Q(2024, 4) < Q(2025, 1)
    assert max(quarters) == Q(2025, 3)


def test_quarters_are_values():
    assert Q(2025, 2) == Quarter.parse("2025Q2")
    assert len({Q(2025, 2), Quarter.parse("2025-Q2")}) == 1
    with pytest.raises(AttributeError):
        Q(2025, 2).quarter = 3


# Choices -------------------------------------------------------------------------------------


def test_quarter_choices_newest_first():
    with translation.override("zh-hans"):
        assert quarter_choices(Q(2025, 2), 4) == [
            ("2025Q2", "2025年第二季度"),
            ("2025Q1", "2025年第一季度"),
            ("2024Q4", "2024年第四季度"),
            ("2024Q3", "2024年第三季度"),
        ]


def test_quarter_choices_are_labelled_in_the_users_language():
    """The value stays the machine form; the label is how the language writes a period."""
    assert quarter_choices(Q(2025, 2), 2) == [("2025Q2", "Q2 2025"), ("2025Q1", "Q1 2025")]


@pytest.mark.parametrize(("count", "length"), [(0, 0), (1, 1), (8, 8)])
def test_quarter_choices_count(count, length):
    assert len(quarter_choices(Q(2025, 2), count)) == length
