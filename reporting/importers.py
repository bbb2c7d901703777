"""Reading a filled quarterly return workbook into typed entries and a list of problems.

Touches no database table except to look codes up: the service decides what is stored. Every
problem names its sheet and cell. Numbers typed as text, with thousands separators, full-width
digits or surrounding spaces are read (`reporting.numbers`); an ambiguous one is an error.
"""

from dataclasses import dataclass, field, replace
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from portal import spreadsheets, uploads
from portal.selectors import region_by_code
from reporting import layout
from reporting.models import DataElement
from reporting.numbers import NumberError, parse_number
from reporting.periods import Quarter
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
    """Both views of the workbook (formulas, and the values Excel cached for them), or a clear
    refusal for a file that is too large, is not an .xlsx, or is damaged."""
    uploads.check_upload(
        name=name, handle=handle, size=size, max_bytes=max_bytes, accept=uploads.WORKBOOK
    )
    data = handle.read()
    spreadsheets.check_xlsx(data, name=name, max_uncompressed=MAX_UNCOMPRESSED)
    formulas = spreadsheets.open_workbook(data, name=name, read_only=False, data_only=False)
    values = spreadsheets.open_workbook(data, name=name, read_only=False, data_only=True)
    return formulas, values


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _find_header(sheet) -> tuple[int, dict[str, int]] | None:
    for row in sheet.iter_rows(min_row=1, max_row=layout.HEADER_SEARCH_ROWS):
        labels = {_text(cell.value): cell.column for cell in row if _text(cell.value)}
        if layout.COL_CODE in labels and layout.COL_VALUE in labels:
            return row[0].row, labels
    return None


def _labelled(sheet, label: str, above_row: int):
    """The cell to the right of `label` in the rows above the table, or None."""
    for row in sheet.iter_rows(min_row=1, max_row=above_row - 1):
        for cell in row:
            if _text(cell.value).rstrip("：:") == label:
                return sheet.cell(row=cell.row, column=cell.column + 1)
    return None


def read_return(
    handle: IO[bytes],
    *,
    name: str,
    size: int,
    max_bytes: int,
    elements: list[DataElement],
) -> ParsedReturn:
    """Parse a return workbook. Raises ValidationError when the file cannot be read at all;
    otherwise every problem is in `problems`."""
    formulas, values = open_workbook(handle, name=name, size=size, max_bytes=max_bytes)
    parsed = ParsedReturn()
    found = None
    for sheet in values.worksheets:
        header = _find_header(sheet)
        if header is not None:
            found = sheet, header
            break
    if found is None:
        raise ValidationError(
            _(
                "%(name)s has no table with the headers “%(code)s” and “%(value)s”: "
                "download the template and fill it in."
            )
            % {"name": name, "code": layout.COL_CODE, "value": layout.COL_VALUE}
        )
    sheet, (header_row, columns) = found
    formula_sheet = formulas[sheet.title]
    title = sheet.title

    region_cell = _labelled(sheet, layout.REGION_LABEL, header_row)
    period_cell = _labelled(sheet, layout.PERIOD_LABEL, header_row)
    if region_cell is None or not _text(region_cell.value):
        parsed.problems.append(
            Problem(
                _("The region code (next to “%(label)s”) is missing.")
                % {"label": layout.REGION_LABEL},
                sheet=title,
                cell=region_cell.coordinate if region_cell is not None else "B2",
            )
        )
    else:
        raw = _text(region_cell.value)
        region = region_by_code(raw)
        if region is None:
            parsed.problems.append(
                Problem(
                    _("“%(code)s” is not a region code.") % {"code": raw},
                    sheet=title,
                    cell=region_cell.coordinate,
                )
            )
        else:
            parsed.region_code = region.code
    if period_cell is None or not _text(period_cell.value):
        parsed.problems.append(
            Problem(
                _("The period (next to “%(label)s”) is missing.") % {"label": layout.PERIOD_LABEL},
                sheet=title,
                cell=period_cell.coordinate if period_cell is not None else "B3",
            )
        )
    else:
        try:
            parsed.period = str(Quarter.parse(_text(period_cell.value)))
        except ValidationError as error:
            parsed.problems.append(
                Problem(error.messages[0], sheet=title, cell=period_cell.coordinate)
            )

    by_code = {element.code: element for element in elements}
    known_codes = set(DataElement.objects.values_list("code", flat=True))
    code_col = columns[layout.COL_CODE]
    value_col = columns[layout.COL_VALUE]
    comment_col = columns.get(layout.COL_COMMENT)
    seen: dict[str, str] = {}
    for row in range(header_row + 1, sheet.max_row + 1):
        code_cell = sheet.cell(row=row, column=code_col)
        value_cell = sheet.cell(row=row, column=value_col)
        comment = _text(sheet.cell(row=row, column=comment_col).value) if comment_col else ""
        code = _text(code_cell.value).upper()
        if not code:
            if value_cell.value not in (None, "") or comment:
                parsed.problems.append(
                    Problem(
                        _("A figure without an indicator code: fill in “%(label)s”.")
                        % {"label": layout.COL_CODE},
                        sheet=title,
                        cell=code_cell.coordinate,
                    )
                )
            continue
        if code in seen:
            parsed.problems.append(
                Problem(
                    _("%(code)s appears twice (first in %(first)s).")
                    % {"code": code, "first": seen[code]},
                    sheet=title,
                    cell=code_cell.coordinate,
                    code=code,
                )
            )
            continue
        seen[code] = code_cell.coordinate
        if code not in by_code:
            message = (
                _("%(code)s is not asked for in this return.")
                if code in known_codes
                else _("%(code)s is not a known indicator code.")
            )
            parsed.problems.append(
                Problem(message % {"code": code}, sheet=title, cell=code_cell.coordinate, code=code)
            )
            continue
        element = by_code[code]
        raw = value_cell.value
        typed = formula_sheet.cell(row=row, column=value_col)
        if typed.data_type == "f":
            # As in every import (portal.spreadsheets.formula_problem): the computed value is
            # read with a warning; a formula with no computed value is an error.
            flagged = replace(
                spreadsheets.formula_problem(
                    coordinate=value_cell.coordinate, formula=str(typed.value), value=raw,
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
                    f"{element.name}: {error.message}",
                    sheet=title,
                    cell=value_cell.coordinate,
                    code=code,
                )
            )
            continue
        parsed.entries[code] = Entry(
            code=code,
            value=value,
            comment=comment[:500],
            sheet=title,
            cell=value_cell.coordinate,
            comment_cell=f"{get_column_letter(comment_col)}{row}" if comment_col else "",
        )
    return parsed
