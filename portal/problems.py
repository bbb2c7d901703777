"""A problem found in what a person entered or uploaded, with the place it was found.

Every import (a city's statistics return, a university's patent list, later the exchange files)
reports its problems in this one shape, so pages and the API list them the same way: the sheet
and cell (or form field), the message, and whether it stops the data being stored.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError

from portal import formats

BLOCKING = "blocking"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    message: str
    sheet: str = ""
    cell: str = ""
    code: str = ""
    importance: str = BLOCKING

    @property
    def is_blocking(self) -> bool:
        return self.importance == BLOCKING

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet else self.cell

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "where": self.where}


def blocking(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_blocking]


def problems_error(problems: list[Problem]) -> ValidationError:
    """A ValidationError carrying every problem, for pages and the API alike."""
    error = ValidationError(
        [
            ValidationError(f"{p.where}{formats.colon()}{p.message}" if p.where else p.message)
            for p in problems
        ]
    )
    error.problems = problems  # type: ignore[attr-defined]
    return error
