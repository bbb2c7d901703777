"""Calendar arithmetic shared by the apps (a project's end date, a loan's two years)."""

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it has no such day):
    2025-01-31 + 1 month is 2025-02-28."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
