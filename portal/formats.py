"""How the portal writes figures, dates and periods for people: one module for pages, messages,
workbooks, documents and the API's display fields alike (issue 18).

Chinese is written as a Chinese government user writes it: 2025年7月15日, 2025年第二季度, money in
万元 or 亿元 with thousands separators and no trailing .00 on a whole amount, counts as integers,
77.5%, 是/否. English mode gets the English forms of the same (15 July 2025, Q2 2025, CNY 10k).
Machine-readable forms (ISO dates, 2025Q2) belong to the API and to files other systems read;
they are never built here.

Every function takes None (and "") and answers "—", so a missing figure is visibly missing
rather than "None" or 0. The template filters of the same names are in
portal/templatetags/formats.py and are built in (no `{% load %}` needed).
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from portal.periods import Quarter

MISSING = "—"
Unit = Literal["wan", "yi"]
WAN = Decimal(10_000)
YI = Decimal(100_000_000)
UNITS: dict[str, Decimal] = {"wan": WAN, "yi": YI}
# Chinese numerals for the quarters, as official returns write them: 第二季度, never 第2季度.
QUARTER_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def chinese() -> bool:
    """Whether the active language is Chinese (the default; English is the only other)."""
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def _missing(value: object) -> bool:
    return value is None or value == ""


# Dates and times -------------------------------------------------------------------------------


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: date | datetime | None) -> str:
    """2025年7月15日 / 15 July 2025; a date-time is taken on its local (Beijing) day."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, datetime):
        value = _local(value).date()
    if chinese():
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def moment(value: datetime | date | None) -> str:
    """2025年7月15日 10:00 / 15 July 2025 10:00, in local (Beijing) time."""
    if value is None or value == "":
        return MISSING
    if not isinstance(value, datetime):
        return day(value)
    local = _local(value)
    return f"{day(local)} {local:%H:%M}"


def month(value: date | None) -> str:
    """2025年7月 / July 2025."""
    if value is None or value == "":
        return MISSING
    if chinese():
        return f"{value.year}年{value.month}月"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def year(value: int | str | None) -> str:
    """2025年 / 2025: a year on its own (年度)."""
    if _missing(value):
        return MISSING
    return f"{value}年" if chinese() else f"{value}"


def as_of(value: date | datetime | None) -> str:
    """截至2025年6月30日 / as of 30 June 2025: the day a figure is counted up to."""
    if _missing(value):
        return MISSING
    return f"截至{day(value)}" if chinese() else f"as of {day(value)}"


def quarter(value: Quarter | str | None) -> Quarter | None:
    if _missing(value):
        return None
    if isinstance(value, Quarter):
        return value
    return Quarter.parse(str(value))


def period(value: Quarter | str | None) -> str:
    """2025年第二季度 / Q2 2025."""
    q = quarter(value)
    if q is None:
        return MISSING
    if chinese():
        return f"{q.year}年第{QUARTER_NUMERALS[q.quarter]}季度"
    return f"Q{q.quarter} {q.year}"


def period_short(value: Quarter | str | None) -> str:
    """2025年Q2 / Q2 2025: only for a narrow table column."""
    q = quarter(value)
    if q is None:
        return MISSING
    return f"{q.year}年Q{q.quarter}" if chinese() else f"Q{q.quarter} {q.year}"


def period_official(value: Quarter | str | None) -> str:
    """2025年第二季度 in every language: how a statistics return names its period."""
    q = quarter(value)
    if q is None:
        return MISSING
    return f"{q.year}年第{QUARTER_NUMERALS[q.quarter]}季度"


# Numbers ---------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if _missing(value) or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _grouped(value: Decimal, places: int) -> str:
    """Thousands separators, at most `places` decimals, no trailing zeros: 1234.50 → 1,234.5."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def number(value: Any, places: int = 2) -> str:
    """A measured quantity: 1,234.5 (at most two decimals, trailing zeros dropped)."""
    number_ = _decimal(value)
    return MISSING if number_ is None else _grouped(number_, places)


def count(value: Any) -> str:
    """A count (件, 家, 人次, 项): an integer with separators, 116,974."""
    number_ = _decimal(value)
    return MISSING if number_ is None else _grouped(number_, 0)


def percent(rate: Any, places: int = 1) -> str:
    """A ratio as a percentage: 0.775 → 77.5%."""
    number_ = _decimal(rate)
    return MISSING if number_ is None else f"{_grouped(number_ * 100, places)}%"


def percent_value(value: Any, places: int = 1) -> str:
    """A figure already in per cent: 77.5 → 77.5%."""
    number_ = _decimal(value)
    return MISSING if number_ is None else f"{_grouped(number_, places)}%"


# Money (stored in yuan) ------------------------------------------------------------------------


def unit_for(amounts: Iterable[Any]) -> Unit:
    """The unit a table shows its amounts in, named in the column header: 万元, unless every
    amount in it is at least 1亿元, then 亿元. One unit per table, and never one that rounds a
    smaller amount of the table away (1,298万元 is not written 0.13亿元 beside 12亿元)."""
    present = [abs(n) for n in map(_decimal, amounts) if n is not None and n != 0]
    return "yi" if present and min(present) >= YI else "wan"


def unit_label(unit: Unit = "wan") -> str:
    """万元 / 亿元 (CNY 10k / CNY 100m in English): for a column header."""
    if chinese():
        return "亿元" if unit == "yi" else "万元"
    return "CNY 100m" if unit == "yi" else "CNY 10k"


def money(yuan: Any, unit: Unit = "wan") -> str:
    """Yuan in the unit of its column, without the unit: 200000 → 20; 123456.78 → 12.35;
    at most two decimals in either unit (1.23亿元), as the plan documents write them."""
    amount = _decimal(yuan)
    if amount is None:
        return MISSING
    return _grouped(amount / UNITS[unit], 2)


def money_with_unit(yuan: Any, unit: Unit | None = None) -> str:
    """An amount in a sentence: 20万元, 1.23亿元 (English: CNY 200k, CNY 123.46m)."""
    amount = _decimal(yuan)
    if amount is None:
        return MISSING
    unit = unit or unit_for([amount])
    if chinese():
        return f"{money(amount, unit)}{unit_label(unit)}"
    if amount == 0:
        return "CNY 0"
    if unit == "yi" or abs(amount) >= Decimal(1_000_000):
        return f"CNY {_grouped(amount / Decimal(1_000_000), 2)}m"
    return f"CNY {_grouped(amount / Decimal(1_000), 1)}k"


def yuan(value: Any) -> str:
    """Yuan to the fen, as a calculation's working line shows it: 1234567.8 元 → 1,234,567.80."""
    amount = _decimal(value)
    return MISSING if amount is None else f"{amount:,.2f}"


# Words -----------------------------------------------------------------------------------------


def yes_no(value: Any) -> str:
    """是 / 否 (Yes / No); "—" when unknown."""
    if _missing(value):
        return MISSING
    if isinstance(value, str):
        value = value.strip().lower() not in {"0", "false", "no", "否", "n"}
    elif not isinstance(value, bool):
        number_ = _decimal(value)
        value = bool(number_)
    if chinese():
        return "是" if value else "否"
    return "Yes" if value else "No"


def label(choices: Any, code: Any) -> str:
    """A stored code through its label: `label(Claim.Status, "paid")` → 已拨付.

    `choices` is a TextChoices class, a list of (code, label) pairs or a dict. A code without a
    label is shown as "—", never as itself.
    """
    if _missing(code):
        return MISSING
    if hasattr(choices, "choices"):
        choices = choices.choices
    mapping = dict(choices)
    found = mapping.get(code)
    if found is None and hasattr(code, "value"):
        found = mapping.get(code.value)
    return MISSING if found is None else str(found)


def names(values: Iterable[Any]) -> str:
    """A list in a sentence: 甲、乙、丙 / A, B, C."""
    separator = "、" if chinese() else ", "
    return separator.join(str(v) for v in values if not _missing(v)) or MISSING


def colon() -> str:
    """The colon after a label in a sentence: full-width in Chinese."""
    return "：" if chinese() else ": "


def nested_quotes(text: Any) -> str:
    """A name to be quoted inside “…”: its own “…” become ‘…’, as Chinese nests quotation
    marks (GB/T 15834): “国家级专精特新‘小巨人’企业”. The outer quotes are the caller's."""
    if _missing(text):
        return MISSING
    return str(text).replace("“", "‘").replace("”", "’")


# Statistics (figures recorded in their own unit: 件, 家, 万元, 亿元, %) --------------------------

# Units of things counted: a figure in one of them is an integer, however it was computed (an
# expected value on a straight line, an average).
COUNTING_UNITS = frozenset({"件", "家", "项", "个", "所", "次", "人", "人次", "场", "份", "项次"})
# Amounts recorded in a unit of yuan, to bring 万元 and 亿元 figures of one table to one unit.
YUAN_PER_UNIT: dict[str, Decimal] = {"元": Decimal(1), "万元": WAN, "亿元": YI}


def figure(value: Any, unit: str = "") -> str:
    """A statistic in its own unit, which is written beside it or in the header: a count
    (件, 家, 人次, …) as an integer 28,792; anything else as number(), 1,234.5."""
    return count(value) if unit in COUNTING_UNITS else number(value)


def in_yuan(value: Any, unit: str) -> Decimal | None:
    """A figure recorded in 元, 万元 or 亿元 in yuan (None when it is not an amount or missing),
    for money(): a table of figures in 万元 and in 亿元 shows them all in one unit."""
    number_ = _decimal(value)
    factor = YUAN_PER_UNIT.get(unit)
    return None if number_ is None or factor is None else number_ * factor


def instant(value: datetime | None) -> str:
    """2025年7月15日 10:00:05 / 15 July 2025 10:00:05: a logged moment to the second (the audit
    log), in local (Beijing) time."""
    if value is None or _missing(value):
        return MISSING
    local = _local(value)
    return f"{day(local)} {local:%H:%M:%S}"


# Text written earlier (an audit entry's object, a notification's title): stored as it was
# written, shown with its dates and periods in the reader's conventions.
_RECORDED_MOMENT = re.compile(
    r"(?<![\d-])\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_RECORDED_DAY = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
_RECORDED_QUARTER = re.compile(r"(?<![\w])\d{4}Q[1-4](?![\w])")
_CHINESE_QUARTER = re.compile(r"(\d{4})年第([一二三四1-4])季度")
_CHINESE_DAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def recorded(text: Any) -> str:
    """Stored text in the reader's conventions: 2025Q2 and 2026-12-07 22:03 (written by code
    before issue 18; a time without zone is UTC, as Django holds it) become 2025年第二季度 and
    2026年12月8日 06:03; on an English page a Chinese period or date becomes Q2 2025 or
    8 December 2026. The words around them stay as written."""
    if _missing(text):
        return MISSING
    text = str(text)

    # What matches may still be no date (2025-13-45, year 0, 9999-12-31 23:59 + 8 h): left as
    # written, since stored text can be anyone's words (a project's title in a notification).
    def moment_(match: re.Match[str]) -> str:
        try:
            found = parse_datetime(match.group(0).replace(" ", "T"))
            if found is None:
                return match.group(0)
            return moment(found if timezone.is_aware(found) else found.replace(tzinfo=UTC))
        except (ValueError, OverflowError):
            return match.group(0)

    def quarter_(match: re.Match[str]) -> str:
        try:
            return period(match.group(0))
        except (ValueError, ValidationError):
            return match.group(0)

    def day_(match: re.Match[str]) -> str:
        try:
            return day(date.fromisoformat(match.group(0)))
        except (ValueError, OverflowError):
            return match.group(0)

    text = _RECORDED_MOMENT.sub(moment_, text)
    text = _RECORDED_DAY.sub(day_, text)
    text = _RECORDED_QUARTER.sub(quarter_, text)
    if chinese():
        return text

    def english_period(match: re.Match[str]) -> str:
        number_ = match.group(2)
        try:
            found = Quarter(int(match.group(1)), QUARTER_NUMBERS.get(number_) or int(number_))
        except ValueError:
            return match.group(0)
        return f" {period(found)} "

    def english_day(match: re.Match[str]) -> str:
        try:
            found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return match.group(0)
        return f" {day(found)} "

    text = _CHINESE_QUARTER.sub(english_period, text)
    text = _CHINESE_DAY.sub(english_day, text)
    return re.sub(r" {2,}", " ", text).strip()


QUARTER_NUMBERS = {numeral: number_ for number_, numeral in QUARTER_NUMERALS.items()}
