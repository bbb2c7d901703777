"""Reading a filled quarterly return workbook into typed entries and a list of problems.

Touches no database table except to look codes up: the service decides what is stored. Every
problem names its sheet and cell. Numbers typed as text, with thousands separators, full-width
digits or surrounding spaces are read (`portal.numbers`); an ambiguous one is an error.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from portal import formats, spreadsheets, uploads
from portal.numbers import NumberError, parse_number
from portal.periods import Quarter
from portal.selectors import region_by_code
from reporting import layout
from reporting.models import DataElement
from reporting.validation import Entry, Problem

# A workbook of this kind is a few kilobytes; an archive that inflates past this is refused
# before openpyxl reads it (a zip bomb would otherwise exhaust the web process's memory).
MAX_UNCOMPRESSED = 50 * 1024 * 1024


@dataclass
class ParsedReturn:
    region_code: str = ""
    period: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def open_workbook(handle: IO[bytes], *, name: str, size: int, max_bytes: int):
    """The checked workbook's bytes and its read-only (streamed) view of the values Excel cached,
    or a clear refusal for a file that is too large, is not an .xlsx, or is damaged."""
    uploads.check_upload(
        name=name, handle=handle, size=size, max_bytes=max_bytes, accept=uploads.WORKBOOK
    )
    data = handle.read()
    spreadsheets.check_xlsx(data, name=name, max_uncompressed=MAX_UNCOMPRESSED)
    return data, spreadsheets.open_workbook(data, name=name)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


@dataclass
class _Table:
    """Where the return's table is: its sheet, the rows above its header (labels), the header
    row's number and columns, and the rows below it, still to be streamed."""

    title: str
    above: list[tuple]
    header_row: int
    columns: dict[str, int]
    rows: Iterator[tuple[int, tuple]]


def _find_table(workbook, name: str) -> _Table | None:
    """The first sheet with the headers in its first rows. Only those rows are read before the
    table is found; the rest of the sheet is streamed afterwards, a row at a time."""
    for sheet in workbook.worksheets:
        rows = _streamed(enumerate(sheet.iter_rows(values_only=True), start=1), name)
        above: list[tuple] = []
        for number, row in rows:
            labels = {}
            for column, value in enumerate(row, start=1):
                text = _text(value)
                if text:
                    labels[text] = column  # as before: the last cell of a repeated label
            if layout.COL_CODE in labels and layout.COL_VALUE in labels:
                return _Table(sheet.title, above, number, labels, rows)
            if number >= layout.HEADER_SEARCH_ROWS:
                break
            above.append(row)
    return None


# The period as the template writes it for people: 2025年第二季度 (or 第2季度), Q2 2025 in English.
WRITTEN_QUARTER = re.compile(r"([0-9]{4}) *年 *第? *([1-4一二三四]) *季度")
ENGLISH_QUARTER = re.compile(r"[Qq]([1-4]) +([0-9]{4})")
NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}


def _quarter(text: str) -> Quarter:
    """The period next to 报告期: as the template writes it, or as 2025Q2 (portal.periods)."""
    if match := WRITTEN_QUARTER.fullmatch(text):
        year, quarter = match.group(1), match.group(2)
    elif match := ENGLISH_QUARTER.fullmatch(text):
        quarter, year = match.group(1), match.group(2)
    else:
        return Quarter.parse(text)
    return Quarter.parse(f"{year}Q{NUMERALS.get(quarter, quarter)}")


def _cell(row: tuple, column: int):
    return row[column - 1] if 0 < column <= len(row) else None


def _labelled(table: _Table, label: str) -> tuple[str, object] | None:
    """The cell to the right of `label` in the rows above the table, as (coordinate, value)."""
    for number, row in enumerate(table.above, start=1):
        for column, value in enumerate(row, start=1):
            if _text(value).rstrip("：:") == label:
                return f"{get_column_letter(column + 1)}{number}", _cell(row, column + 1)
    return None


def _streamed(rows: Iterator[tuple[int, tuple]], name: str) -> Iterator[tuple[int, tuple]]:
    """A sheet's rows, whose XML is parsed only as they are read: a damaged part is a clear
    refusal, not a crash."""
    try:
        yield from rows
    except Exception as error:  # openpyxl raises many kinds for malformed XML
        raise ValidationError(
            _(
                "%(name)s could not be read as a workbook: part of the file is damaged. "
                "Save it again in Excel or WPS and upload it again."
            )
            % {"name": name},
            code="workbook",
        ) from error


def read_return(
    handle: IO[bytes],
    *,
    name: str,
    size: int,
    max_bytes: int,
    elements: list[DataElement],
    region_code: str = "",
) -> ParsedReturn:
    """Parse a return workbook. Raises ValidationError when the file cannot be read at all;
    otherwise every problem is in `problems`. `region_code`: the code of the region the return
    is for, if known (the workbook naming it needs no lookup).

    One streamed pass in openpyxl's read-only mode: the sheet's rows are parsed as they are
    read and not kept, so memory does not follow the rows of the sheet. Formulas are looked for
    only when the sheet XML holds one (a second, equally streamed reading)."""
    data, workbook = open_workbook(handle, name=name, size=size, max_bytes=max_bytes)
    try:
        return _read(data, workbook, name=name, elements=elements, region_code=region_code)
    finally:
        workbook.close()


def _read(
    data: bytes, workbook, *, name: str, elements: list[DataElement], region_code: str
) -> ParsedReturn:
    parsed = ParsedReturn()
    table = _find_table(workbook, name)
    if table is None:
        raise ValidationError(
            _(
                "%(name)s has no table with the headers “%(code)s” and “%(value)s”: "
                "download the template and fill it in."
            )
            % {"name": name, "code": layout.COL_CODE, "value": layout.COL_VALUE}
        )
    title = table.title
    formulas = spreadsheets.sheet_formulas(data, name=name, title=title)

    region_cell = _labelled(table, layout.REGION_LABEL)
    period_cell = _labelled(table, layout.PERIOD_LABEL)
    if region_cell is None or not _text(region_cell[1]):
        parsed.problems.append(
            Problem(
                _("The region code (next to “%(label)s”) is missing.")
                % {"label": layout.REGION_LABEL},
                sheet=title,
                cell=region_cell[0] if region_cell is not None else "B2",
            )
        )
    else:
        raw = _text(region_cell[1])
        if region_code and raw.upper() == region_code:
            parsed.region_code = region_code  # the return's own region: nothing to look up
        elif (region := region_by_code(raw)) is not None:
            parsed.region_code = region.code
        else:
            parsed.problems.append(
                Problem(
                    _("“%(code)s” is not a region code.") % {"code": raw},
                    sheet=title,
                    cell=region_cell[0],
                )
            )
    if period_cell is None or not _text(period_cell[1]):
        parsed.problems.append(
            Problem(
                _("The period (next to “%(label)s”) is missing.") % {"label": layout.PERIOD_LABEL},
                sheet=title,
                cell=period_cell[0] if period_cell is not None else "B3",
            )
        )
    else:
        try:
            parsed.period = str(_quarter(_text(period_cell[1])))
        except ValidationError as error:
            parsed.problems.append(Problem(error.messages[0], sheet=title, cell=period_cell[0]))

    by_code = {element.code: element for element in elements}
    known: set[str] | None = None  # every element's code, read only if a row asks
    code_col = table.columns[layout.COL_CODE]
    value_col = table.columns[layout.COL_VALUE]
    comment_col = table.columns.get(layout.COL_COMMENT)
    code_letter, value_letter = get_column_letter(code_col), get_column_letter(value_col)
    comment_letter = get_column_letter(comment_col) if comment_col else ""
    seen: dict[str, str] = {}
    for row_number, row in table.rows:
        code_ref, value_ref = f"{code_letter}{row_number}", f"{value_letter}{row_number}"
        raw = _cell(row, value_col)
        comment = _text(_cell(row, comment_col)) if comment_col else ""
        code = _text(_cell(row, code_col)).upper()
        if not code:
            if raw not in (None, "") or comment:
                parsed.problems.append(
                    Problem(
                        _("A figure without an indicator code: fill in “%(label)s”.")
                        % {"label": layout.COL_CODE},
                        sheet=title,
                        cell=code_ref,
                    )
                )
            continue
        if code in seen:
            parsed.problems.append(
                Problem(
                    _("%(code)s appears twice (first in %(first)s).")
                    % {"code": code, "first": seen[code]},
                    sheet=title,
                    cell=code_ref,
                    code=code,
                )
            )
            continue
        seen[code] = code_ref
        if code not in by_code:
            if known is None:
                known = set(DataElement.objects.values_list("code", flat=True))
            message = (
                _("%(code)s is not asked for in this return.")
                if code in known
                else _("%(code)s is not a known indicator code.")
            )
            parsed.problems.append(Problem(message % {"code": code}, sheet=title, cell=code_ref,
                                           code=code))  # fmt: skip
            continue
        element = by_code[code]
        if value_ref in formulas:
            # As in every import (portal.spreadsheets.formula_problem): the computed value is
            # read with a warning; a formula with no computed value is an error.
            flagged = replace(
                spreadsheets.formula_problem(
                    coordinate=value_ref, formula=formulas[value_ref], value=raw,
                    sheet=title, what=element.name,
                ),
                code=code,
            )  # fmt: skip
            parsed.problems.append(flagged)
            if flagged.is_blocking:
                continue
        try:
            value = parse_number(raw, integer=element.is_integer)
        except NumberError as error:
            parsed.problems.append(
                Problem(
                    f"{element.name}{formats.colon()}{error.message}",
                    sheet=title,
                    cell=value_ref,
                    code=code,
                )
            )
            continue
        parsed.entries[code] = Entry(
            code=code,
            value=value,
            comment=comment[:500],
            sheet=title,
            cell=value_ref,
            comment_cell=f"{comment_letter}{row_number}" if comment_col else "",
        )
    return parsed
