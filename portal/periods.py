"""Reporting periods: calendar quarters, written "2025Q2" and parsed in this one place.

Cities report statistics per quarter (季度统计), targets are judged against the quarter just
closed, and returns fall due a fixed number of days after a quarter ends. Every other module takes
a `Quarter` rather than a string, so a period is checked once, where it enters the system (a form,
a URL, an Excel sheet), and the text form sorts in time order because the year has four digits.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# "2025Q2", "2025q2", "2025 Q2" and "2025-Q2": the forms people write in sheets and forms.
# ASCII digits only ([0-9], not \d) so that Arabic-Indic or other Unicode digits are refused.
QUARTER_PATTERN = re.compile(r"([0-9]{4})(?: *|-)[Qq]([1-4])")
# How people and the portal's own pages and workbooks write it: 2025年第二季度, 2025年第2季度,
# 2025年Q2 (portal/formats.py), and the English page's Q2 2025.
CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}
WRITTEN_PATTERNS = (
    re.compile(r"([0-9]{4}) ?年 ?第 ?([1-4一二三四]) ?季度"),
    re.compile(r"([0-9]{4}) ?年 ?[Qq]([1-4])"),
)
ENGLISH_PATTERN = re.compile(r"[Qq]([1-4]) ([0-9]{4})")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter; ordered by time, so `min`, `max`, `sorted` and `<` just work."""

    year: int
    quarter: int  # 1..4

    def __post_init__(self) -> None:
        # A wrong quarter built in code is a programming error, not bad input: ValueError.
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter must be 1..4, not {self.quarter!r}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be 1..9999, not {self.year!r}")

    def __hash__(self) -> int:
        # The quarter's index in time: equal quarters hash alike, and it is cheaper than hashing
        # a tuple (the progress engine keys its series by quarter hundreds of thousands of times).
        return self.year * 4 + self.quarter

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """Read a period as people type it; anything not clearly a quarter is refused."""
        found = _read(text.strip()) if isinstance(text, str) else None
        if found is None or found[0] < 1:
            raise ValidationError(
                _("“%(value)s” is not a quarter such as Q2 2025.") % {"value": text},
                code="period",
            )
        return cls(*found)

    def __str__(self) -> str:
        # Four-digit year, always: the text form must sort in time order.
        return f"{self.year:04d}Q{self.quarter}"

    @property
    def start(self) -> date:
        """The first day of the quarter."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter (the day statistics are counted up to)."""
        month = 3 * self.quarter
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def label(self) -> str:
        """How the period is printed on official returns (2025年第二季度); the same in every UI
        language. Pages use portal.formats.period, which follows the language."""
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    def shift(self, n: int) -> "Quarter":
        """The quarter `n` quarters later (earlier when `n` is negative)."""
        index = self.year * 4 + (self.quarter - 1) + n
        return Quarter(index // 4, index % 4 + 1)

    def previous(self) -> "Quarter":
        """The quarter before: what `prev(CODE)` in a validation rule refers to."""
        return self.shift(-1)

    def next(self) -> "Quarter":
        return self.shift(1)

    def due_date(self, days: int) -> date:
        """The day a return falls due: `days` after the quarter's last day."""
        return self.end + timedelta(days=days)

    def year_to_date(self) -> list["Quarter"]:
        """Q1 of the same year up to this quarter: the quarters flow figures are summed over."""
        return Quarter.span(Quarter(self.year, 1), self)

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_completed(cls, day: date) -> "Quarter":
        """The quarter cities report on during `day`: the one before the quarter `day` is in."""
        return cls.containing(day).previous()

    @staticmethod
    def span(first: "Quarter", last: "Quarter") -> list["Quarter"]:
        """Every quarter from `first` to `last`, both included; empty when `first` is later."""
        if first > last:
            return []
        count = (last.year - first.year) * 4 + (last.quarter - first.quarter) + 1
        return [first.shift(n) for n in range(count)]


def _read(text: str) -> tuple[int, int] | None:
    match = QUARTER_PATTERN.fullmatch(text)
    if match:
        return int(match.group(1)), int(match.group(2))
    for pattern in WRITTEN_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            number = match.group(2)
            return int(match.group(1)), CHINESE_NUMERALS.get(number) or int(number)
    match = ENGLISH_PATTERN.fullmatch(text)
    if match:
        return int(match.group(2)), int(match.group(1))
    return None


def quarter_choices(last: Quarter, count: int) -> list[tuple[str, str]]:
    """`(value, label)` pairs for a period select: the `count` quarters up to `last`, newest first.

    Newest first because the quarter a user wants is almost always the latest one. The label is
    the period as the user's language writes it (2025年第二季度 / Q2 2025); the value stays the
    machine form 2025Q2.
    """
    from portal import formats  # formats imports this module

    return [
        (str(quarter), formats.period(quarter))
        for quarter in (last.shift(-n) for n in range(count))
    ]
