"""Calendar arithmetic shared by the apps (a project's end date, a loan's two years), and reading
a date as people write it in a workbook."""

import calendar
import re
from datetime import date, datetime

from django.utils.translation import gettext as _


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it has no such day):
    2025-01-31 + 1 month is 2025-02-28."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# Dates as people write them in a workbook or a form: 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日,
# 20240305, and the English page's 5 March 2024. The year comes first (or the month is a word), so
# none is ambiguous; 3/5/2024 is refused rather than guessed.
_NUMERIC_DAY = re.compile(r"([0-9]{4})\s*([-/.])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})")
_CHINESE_DAY = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?")
_COMPACT_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_ENGLISH_DAY = re.compile(r"([0-9]{1,2})\s+([A-Za-z]+)\.?,?\s+([0-9]{4})")
# The date the messages give as an example, written as the user's language writes dates.
EXAMPLE = date(2024, 3, 5)


def read_date(value: object) -> date | None:
    """A date cell or text as a date; None when empty. ValueError when it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    found = _NUMERIC_DAY.fullmatch(text) or _CHINESE_DAY.fullmatch(text)
    if found:
        year, month, day_ = found.group(1), found.groups()[-2], found.groups()[-1]
        return date(int(year), int(month), int(day_))
    found = _COMPACT_DAY.fullmatch(text)
    if found:
        return date(*(int(part) for part in found.groups()))
    found = _ENGLISH_DAY.fullmatch(text)
    if found:
        month = _english_month(found.group(2))
        if month:
            return date(int(found.group(3)), month, int(found.group(1)))
    raise ValueError(text)


def _english_month(word: str) -> int | None:
    from portal.formats import MONTHS_EN

    word = word.lower()
    for number, name in enumerate(MONTHS_EN, start=1):
        if len(word) >= 3 and name.lower().startswith(word):
            return number
    return None


def not_a_date(value: object) -> str:
    """The message for a cell or a field that is not a date, with an example the reader accepts,
    written as the page writes dates (2024年3月5日 / 5 March 2024)."""
    from portal.formats import day

    return _("“%(value)s” is not a date: write it as %(example)s.") % {
        "value": value,
        "example": day(EXAMPLE),
    }
