"""portal/formats.py: how figures, dates and periods are written, in Chinese and in English."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from portal import formats
from portal.periods import Quarter


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def en():
    with translation.override("en"):
        yield


def test_dates_in_chinese(zh):
    assert formats.day(date(2025, 7, 15)) == "2025年7月15日"
    # 2025-07-14 18:30 UTC is the 15th in Beijing.
    assert formats.day(datetime(2025, 7, 14, 18, 30, tzinfo=UTC)) == "2025年7月15日"
    assert formats.moment(datetime(2025, 7, 15, 2, 5, tzinfo=UTC)) == "2025年7月15日 10:05"
    assert formats.month(date(2025, 7, 1)) == "2025年7月"
    assert formats.year(2025) == "2025年"
    assert formats.as_of(date(2025, 6, 30)) == "截至2025年6月30日"


def test_dates_in_english(en):
    assert formats.day(date(2025, 7, 15)) == "15 July 2025"
    assert formats.moment(datetime(2025, 7, 15, 2, 5, tzinfo=UTC)) == "15 July 2025 10:05"
    assert formats.as_of(date(2025, 6, 30)) == "as of 30 June 2025"
    assert formats.year(2025) == "2025"


def test_periods(zh):
    assert formats.period(Quarter(2025, 2)) == "2025年第二季度"
    assert formats.period("2025Q4") == "2025年第四季度"
    assert formats.period_short("2025Q2") == "2025年Q2"
    with translation.override("en"):
        assert formats.period("2025Q2") == "Q2 2025"
        assert formats.period_official("2025Q2") == "2025年第二季度"


def test_money_in_wan_and_yi(zh):
    assert formats.money(Decimal("200000.00")) == "20"
    assert formats.money(Decimal("123456.78")) == "12.35"
    assert formats.money(Decimal("1234567800")) == "123,456.78"
    assert formats.money(Decimal("123456789"), "yi") == "1.23"
    assert formats.money_with_unit(Decimal("200000")) == "20万元"
    assert formats.money_with_unit(Decimal("250000000")) == "2.5亿元"
    assert formats.unit_for([Decimal("5000"), Decimal("1200000000")]) == "wan"
    assert formats.unit_for([Decimal("0"), Decimal("100000000"), Decimal("250000000")]) == "yi"
    assert formats.unit_for([None]) == "wan"
    assert formats.unit_label("wan") == "万元"
    with translation.override("en"):
        assert formats.unit_label("wan") == "CNY 10k"
        assert formats.money_with_unit(Decimal("200000")) == "CNY 200k"
        assert formats.money_with_unit(Decimal("250000000")) == "CNY 250m"


def test_counts_percentages_and_numbers():
    assert formats.count(Decimal("28792.12")) == "28,792"
    assert formats.count(116974) == "116,974"
    assert formats.count(Decimal("-0.2")) == "0"
    assert formats.number(Decimal("1234.50")) == "1,234.5"
    assert formats.number(Decimal("6.00")) == "6"
    assert formats.percent(Decimal("0.775")) == "77.5%"
    assert formats.percent_value(80) == "80%"
    assert formats.yuan(Decimal("1234567.8")) == "1,234,567.80"


@pytest.mark.parametrize(
    "function",
    [
        formats.day,
        formats.moment,
        formats.period,
        formats.count,
        formats.money,
        formats.money_with_unit,
        formats.percent,
        formats.yes_no,
    ],
)
@pytest.mark.parametrize("missing", [None, ""])
def test_missing_is_a_dash_never_none(function, missing):
    assert function(missing) == "—"


def test_words(zh):
    assert formats.yes_no(True) == "是"
    assert formats.yes_no(0) == "否"
    assert formats.yes_no(Decimal("1")) == "是"
    assert formats.label([("paid", "已拨付")], "paid") == "已拨付"
    assert formats.label([("paid", "已拨付")], "PAID_X") == "—"  # never the code
    assert formats.names(["甲", "乙"]) == "甲、乙"
    assert formats.colon() == "："
    with translation.override("en"):
        assert formats.yes_no(False) == "No"
        assert formats.names(["A", "B"]) == "A, B"


def test_the_filters_are_built_into_every_template(zh):
    template = Template(
        "{{ d|day }} {{ q|period }} {{ a|money }}{{ 'wan'|money_unit }} {{ n|count }} "
        "{{ r|percent }} {{ b|yes_no }}{% colon %}"
    )
    text = template.render(
        Context(
            {
                "d": date(2025, 7, 15),
                "q": Quarter(2025, 2),
                "a": Decimal("200000"),
                "n": 116974,
                "r": Decimal("0.5"),
                "b": True,
            }
        )
    )
    assert text == "2025年7月15日 2025年第二季度 20万元 116,974 50% 是："


def test_a_statistic_in_a_counting_unit_is_an_integer(zh):
    """Issue 18: an expected value of 28792.12 件 is written 28,792 件; 万元 keep decimals."""
    assert formats.figure(Decimal("28792.12"), "件") == "28,792"
    assert formats.figure(Decimal("25.11"), "家") == "25"
    assert formats.figure(Decimal("1250.75"), "万元") == "1,250.75"
    assert formats.figure(Decimal("75.94"), "%") == "75.94"
    assert formats.figure(None, "件") == "—"
    assert Template("{{ v|figure:'件' }}").render(Context({"v": Decimal("116974")})) == "116,974"


def test_amounts_recorded_in_wan_and_yi_are_brought_to_yuan():
    assert formats.in_yuan(Decimal("1.5"), "万元") == Decimal(15_000)
    assert formats.in_yuan(Decimal(3), "亿元") == Decimal(300_000_000)
    assert formats.in_yuan(Decimal(3), "件") is None
    assert formats.in_yuan(None, "万元") is None


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(
    "text",
    [
        "2025-13-45 25:00",
        "0000Q1",
        "2025-02-30",
        "9999-12-31 23:59",
        "0000年第一季度",
        "2025年13月40日",
    ],
)
def test_recorded_text_that_only_looks_like_a_date_is_left_as_written(text, language):
    """Stored text can be anyone's words (a project's title in a notification): what looks like
    a date or a period but is none never breaks the page that shows it."""
    with translation.override(language):
        shown = formats.recorded(text)
    assert shown and "—" not in shown
