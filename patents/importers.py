"""Reading a university's patent list (.xlsx or .csv) into typed rows and problems.

Columns are found by their Chinese header, so the list may come from the template or from the
university's own spreadsheet with the same headers in any order. Every bad cell is reported with
its row and column; nothing here writes to the database. Large lists are streamed: openpyxl's
read-only mode for .xlsx, the csv module for .csv (UTF-8, or GB18030 as Chinese Excel saves it).
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from patents.models import Patent
from portal import dates, spreadsheets, uploads
from portal.identifiers import PatentNumber, parse_patent_number
from portal.problems import WARNING, Problem

SHEET = "专利清单"

# (field, header, required)
COLUMNS = [
    ("number", "申请号", True),
    ("title", "专利名称", True),
    ("kind", "专利类型", True),
    ("status", "法律状态", True),
    ("filed_on", "申请日", True),
    ("granted_on", "授权日", False),
    ("ipc", "IPC分类号", False),
    ("inventors", "发明人", False),
    ("abstract", "摘要", False),
    ("state_funded", "是否财政资助", False),
    ("funding_project", "资助项目", False),
    ("converted", "是否已转化", False),
    ("foreign_family", "是否有海外同族", False),
    ("award", "获奖情况", False),
]
HEADERS = [header for _field, header, _required in COLUMNS]

KINDS = {
    "发明": Patent.Kind.INVENTION,
    "发明专利": Patent.Kind.INVENTION,
    "实用新型": Patent.Kind.UTILITY_MODEL,
    "实用新型专利": Patent.Kind.UTILITY_MODEL,
    "外观设计": Patent.Kind.DESIGN,
    "外观设计专利": Patent.Kind.DESIGN,
    **{kind.value: kind for kind in Patent.Kind},
}
STATUSES = {
    "审中": Patent.Status.PENDING,
    "在审": Patent.Status.PENDING,
    "有效": Patent.Status.VALID,
    "授权": Patent.Status.VALID,
    "失效": Patent.Status.LAPSED,
    "未缴年费终止": Patent.Status.LAPSED,
    "届满": Patent.Status.EXPIRED,
    "期限届满": Patent.Status.EXPIRED,
    "无效": Patent.Status.INVALIDATED,
    "被宣告无效": Patent.Status.INVALIDATED,
    **{status.value: status for status in Patent.Status},
}
YES = {"是", "有", "y", "yes", "true", "1", "√"}
NO = {"否", "无", "n", "no", "false", "0", ""}
IPC = re.compile(r"^[A-H]\d{2}[A-Z]\d{1,4}/\d{1,6}$")


@dataclass
class ParsedList:
    rows: list[dict[str, Any]] = field(default_factory=list)  # typed fields, with "_row"
    problems: list[Problem] = field(default_factory=list)
    total: int = 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date | None:
    """2021-03-05, 2021/3/5, 2021.3.5, 2021年3月5日 or a date cell (portal.dates)."""
    return dates.read_date(value)


def _rows_csv(text: str) -> Iterator[tuple[int, list[Any]]]:
    yield from enumerate(csv.reader(io.StringIO(text)), start=1)


class PatentRows:
    """A patent list read row by row: iterating gives the typed rows of the good ones (fields,
    with "_row"); `problems` and `total` fill as the rows are read. Nothing but the row being
    read and the numbers already seen (to find one listed twice) is held, so a list of 100,000
    patents is read in the memory of a few."""

    def __init__(self, rows: Iterator[tuple[int, list[Any]]], *, name: str, sheet: str,
                 formulas: dict[str, str]):  # fmt: skip
        self.problems: list[Problem] = []
        self.total = 0
        self._rows, self._sheet, self._formulas = rows, sheet, formulas
        self._seen: dict[str, int] = {}
        self._columns = self._header(name)

    def _header(self, name: str) -> dict[str, int]:
        for number, values in self._rows:
            labels = {_text(v): i for i, v in enumerate(values) if _text(v)}
            if "申请号" in labels:
                missing = [h for _f, h, required in COLUMNS if required and h not in labels]
                if missing:
                    raise ValidationError(
                        _("%(name)s lacks the columns %(columns)s: download the template.")
                        % {"name": name, "columns": "、".join(missing)}
                    )
                return {f: labels[h] for f, h, _r in COLUMNS if h in labels}
            if number >= 10:
                break
        raise ValidationError(
            _("%(name)s has no header row with “申请号”: download the template and fill it in.")
            % {"name": name}
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, values in self._rows:
            if not any(_text(v) for v in values):
                continue
            self.total += 1
            flagged = spreadsheets.row_formula_problems(
                self._formulas, number=number, values=values, sheet=self._sheet
            )
            self.problems.extend(flagged)
            if any(p.is_blocking for p in flagged):
                continue
            row = _row(values, self._columns, number, self._sheet, self.problems, self._seen)
            if row is not None:
                yield row


def open_patents(handle: IO[bytes], *, name: str, size: int, max_bytes: int) -> PatentRows:
    """A patent list to read row by row. Raises ValidationError when the file cannot be read at
    all: too big, not an .xlsx or plain-text .csv by its content (portal.uploads), an unsafe
    workbook, or no header row. An .xlsx is read from the handle, never copied into memory."""
    kind = uploads.check_upload(
        name=name, handle=handle, size=size, max_bytes=max_bytes, accept=uploads.SPREADSHEETS
    )
    if kind.code == "csv":
        return PatentRows(_rows_csv(uploads.decode_text(handle) or ""), name=name, sheet=name,
                          formulas={})  # fmt: skip
    spreadsheets.check_xlsx(handle, name=name)
    found = spreadsheets.read_sheet(handle, name=name, sheet_name=SHEET)
    return PatentRows(enumerate(found.rows, start=1), name=name, sheet=SHEET,
                      formulas=found.formulas)  # fmt: skip


def read_patents(handle: IO[bytes], *, name: str, size: int, max_bytes: int) -> ParsedList:
    """A whole patent list at once (`open_patents` for one read row by row)."""
    listing = open_patents(handle, name=name, size=size, max_bytes=max_bytes)
    rows = list(listing)
    return ParsedList(rows=rows, problems=listing.problems, total=listing.total)


@dataclass
class _Cells:
    """One row's cells by field name, and where its problems go."""

    values: list[Any]
    columns: dict[str, int]
    number: int
    sheet: str
    problems: list[Problem]

    def get(self, field_name: str) -> Any:
        index = self.columns.get(field_name)
        return self.values[index] if index is not None and index < len(self.values) else None

    def text(self, field_name: str) -> str:
        return _text(self.get(field_name))

    def problem(self, field_name: str, message: str, importance: str = "blocking") -> None:
        index = self.columns.get(field_name, 0)
        where = f"{get_column_letter(index + 1)}{self.number}"
        self.problems.append(Problem(message, sheet=self.sheet, cell=where, importance=importance))


def _row(values, columns, number, sheet, problems, seen) -> dict[str, Any] | None:
    """The typed fields of one row, with "_row"; None, its problems reported, when one blocks."""
    cells = _Cells(values, columns, number, sheet, problems)
    errors_before = len(problems)
    row: dict[str, Any] = {"_row": number}
    parsed_number = _number(cells, seen)
    if parsed_number is not None:
        row["number"] = parsed_number.number
    title = cells.text("title")
    if not title:
        cells.problem("title", _("The title is missing."))
    row["title"] = title[:300]
    row["kind"] = _kind(cells, parsed_number)
    row["status"] = _status(cells)
    row.update(_dates(cells))
    row["ipc"] = _ipc(cells)
    row.update(_flags(cells))
    row["inventors"] = cells.text("inventors")[:300]
    row["abstract"] = cells.text("abstract")
    row["funding_project"] = cells.text("funding_project")[:200]
    row["award"] = cells.text("award")[:100]
    if any(p.is_blocking for p in problems[errors_before:]):
        return None
    return row


def _number(cells: _Cells, seen: dict[str, int]) -> PatentNumber | None:
    """The application number, normalised; one listed in an earlier row is a problem."""
    try:
        parsed = parse_patent_number(cells.text("number"))
    except ValidationError as error:
        cells.problem("number", error.messages[0])
        return None
    if parsed.warning:
        cells.problem("number", parsed.warning, WARNING)
    if parsed.number in seen:
        cells.problem(
            "number",
            _("%(number)s is listed twice (first in row %(row)d).")
            % {"number": parsed.number, "row": seen[parsed.number]},
        )
    else:
        seen[parsed.number] = cells.number
    return parsed


def _kind(cells: _Cells, parsed_number: PatentNumber | None) -> Patent.Kind | None:
    """The patent type as written, which must agree with the type its number encodes."""
    kind_text = cells.text("kind")
    kind = KINDS.get(kind_text)
    if kind is None:
        cells.problem(
            "kind",
            _("“%(value)s” is not a patent type: write 发明, 实用新型 or 外观设计.")
            % {"value": kind_text},
        )
    elif parsed_number is not None and parsed_number.kind not in (kind, "other"):
        cells.problem(
            "kind",
            _("%(number)s is numbered as %(numbered)s, not %(typed)s.")
            % {
                "number": parsed_number.number,
                "numbered": Patent.Kind(parsed_number.kind).label,
                "typed": kind.label,
            },
        )
    return kind


def _status(cells: _Cells) -> Patent.Status | None:
    status_text = cells.text("status")
    status = STATUSES.get(status_text)
    if status is None:
        cells.problem(
            "status",
            _("“%(value)s” is not a legal status: write 审中, 有效, 失效, 届满 or 无效.")
            % {"value": status_text},
        )
    return status


def _dates(cells: _Cells) -> dict[str, date | None]:
    """The filing date (required) and the grant date, which cannot come before it."""
    found: dict[str, date | None] = {}
    for date_field in ("filed_on", "granted_on"):
        try:
            found[date_field] = _date(cells.get(date_field))
        except ValueError:
            cells.problem(date_field, dates.not_a_date(cells.text(date_field)))
            found[date_field] = None
    if not cells.text("filed_on"):
        cells.problem("filed_on", _("The filing date is missing."))
    if found["filed_on"] and found["granted_on"] and found["granted_on"] < found["filed_on"]:
        cells.problem("granted_on", _("The grant date is before the filing date."))
    return found


def _ipc(cells: _Cells) -> str:
    """The IPC classes, separated by ; or , (full or half width), as "G06F16/35;H04L9/32"."""
    ipc_parts = [
        p.replace(" ", "").upper() for p in re.split(r"[;；,，]", cells.text("ipc")) if p.strip()
    ]
    bad_ipc = [p for p in ipc_parts if not IPC.match(p)]
    if bad_ipc:
        cells.problem(
            "ipc",
            _("“%(value)s” is not an IPC class such as G06F16/35.") % {"value": "；".join(bad_ipc)},
        )
    return ";".join(ipc_parts)[:300]


def _flags(cells: _Cells) -> dict[str, bool]:
    """The yes/no columns; anything but a yes or a no is a problem (and taken as no)."""
    flags: dict[str, bool] = {}
    for flag in ("state_funded", "converted", "foreign_family"):
        text = cells.text(flag).lower()
        if text in YES:
            flags[flag] = True
        elif text in NO:
            flags[flag] = False
        else:
            cells.problem(flag, _("“%(value)s”: write 是 or 否.") % {"value": cells.text(flag)})
            flags[flag] = False
    return flags
