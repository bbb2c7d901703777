"""What the pages of the projects app share: the status names, the spread warning, and
reading an integer from a query string."""

from decimal import Decimal

from projects.models import Application

S = Application.Status

# A reviewer is warned when experts' totals differ by this many points or more.
SPREAD_WARNING = Decimal(20)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
