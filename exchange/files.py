"""Reading and writing exchange files (.xlsx or .csv) through a mapping.

Reading finds the header row (the mapping's, or the first row holding every required header),
reads every cell through its column and reports each problem with its sheet and cell. Writing
puts the mapping's headers and the rows' cells, formula-safe, into .xlsx (write-only) or .csv.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from exchange.fields import CellError, read, text, write
from portal.problems import Problem
from portal.spreadsheets import check_size, check_xlsx, safe

HEADER_SEARCH_ROWS = 20


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "_row": its row number
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""


def _rows_xlsx(data: bytes, name: str, sheet_name: str) -> tuple[str, Iterator[list[Any]]]:
    check_xlsx(data, name=name)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a malformed file
        raise ValidationError(
            _("%(name)s could not be read as a workbook (%(error)s).")
            % {"name": name, "error": type(error).__name__},
            code="workbook",
        ) from error
    sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
    sheet.reset_dimensions()  # a lying dimension tag must not hide rows

    def rows() -> Iterator[list[Any]]:
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
        workbook.close()

    return sheet.title, rows()


def _rows_csv(data: bytes, name: str) -> tuple[str, Iterator[list[Any]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise ValidationError(_("%(name)s is not a text file.") % {"name": name})
    return name, iter(list(csv.reader(io.StringIO(decoded))))


def read_file(handle: IO[bytes], *, name: str, size: int, max_bytes: int, mapping) -> Parsed:
    check_size(name=name, size=size, max_bytes=max_bytes)
    data = handle.read()
    lowered = name.lower()
    if lowered.endswith(".csv"):
        sheet, rows = _rows_csv(data, name)
    elif lowered.endswith(".xlsx"):
        sheet, rows = _rows_xlsx(data, name, mapping.sheet)
    else:
        raise ValidationError(
            _("%(name)s: upload an .xlsx or .csv file (save an .xls as .xlsx first).")
            % {"name": name},
            code="type",
        )
    return read_rows(rows, mapping=mapping, sheet=sheet)


def _headers(row: list[Any]) -> dict[str, int]:
    return {text(value).replace("\n", "").replace(" ", ""): i for i, value in enumerate(row)}


def read_rows(rows: Iterable[list[Any]], *, mapping, sheet: str = "") -> Parsed:
    """Rows of cells → rows of portal values keyed by field, and problems by cell."""
    parsed = Parsed(sheet=sheet)
    columns = mapping.columns
    wanted = {c["header"].replace(" ", "") for c in columns if c.get("required")}
    header_at: dict[str, int] | None = None
    number = 0
    for number, row in enumerate(rows, start=1):
        if header_at is None:
            found = _headers(row)
            fits = (
                number == mapping.header_row
                if mapping.header_row
                else wanted <= set(found) and number <= HEADER_SEARCH_ROWS
            )
            if fits:
                header_at = found
                missing = [c["header"] for c in columns if c.get("required")
                           and c["header"].replace(" ", "") not in found]  # fmt: skip
                if missing:
                    parsed.problems.append(Problem(
                        _("Missing columns: %(headers)s.") % {"headers": "、".join(missing)},
                        sheet=sheet, cell=f"{number}",
                    ))  # fmt: skip
                    return parsed
            elif number > HEADER_SEARCH_ROWS:
                break
            continue
        if all(text(value) == "" for value in row):
            continue
        cells: dict[str, str] = {}
        values: dict[str, Any] = {"_row": number, "_cells": cells}
        good = True
        for column in columns:
            index = header_at.get(column["header"].replace(" ", ""))
            raw = row[index] if index is not None and index < len(row) else None
            if index is not None:
                cells[column["field"]] = f"{get_column_letter(index + 1)}{number}"
            try:
                values[column["field"]] = read(column, raw)
            except CellError as error:
                letter = get_column_letter(index + 1) if index is not None else "?"
                parsed.problems.append(
                    Problem(
                        error.message,
                        sheet=sheet,
                        cell=f"{letter}{number}",
                        importance=error.importance,
                    )
                )
                good = good and error.importance != "blocking"
        if good:
            parsed.rows.append(values)
    if header_at is None:
        parsed.problems.append(
            Problem(
                _("No row holds the headers %(headers)s.")
                % {"headers": "、".join(c["header"] for c in columns if c.get("required"))},
                sheet=sheet,
            )
        )
    return parsed


def cell_of(parsed_row: dict, mapping, field_name: str, sheet: str = "") -> str:
    """The cell of a row's field in the file, for problems found after reading (e.g. an unknown
    code): where the column really was, whatever its order."""
    return parsed_row.get("_cells", {}).get(field_name) or str(parsed_row["_row"])


def write_xlsx(rows: Iterable[dict[str, Any]], *, mapping, handle: IO[bytes]) -> int:
    """Rows of portal values → an .xlsx with the mapping's headers (write-only, formula-safe).
    Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(mapping.sheet or mapping.name[:31])
    sheet.append([c["header"] for c in mapping.columns])
    count = 0
    for row in rows:
        sheet.append([safe(write(c, row.get(c["field"]))) for c in mapping.columns])
        count += 1
    workbook.save(handle)
    return count


def write_csv(rows: Iterable[dict[str, Any]], *, mapping, handle: IO[str]) -> int:
    writer = csv.writer(handle)
    writer.writerow([c["header"] for c in mapping.columns])
    count = 0
    for row in rows:
        cells = [write(c, row.get(c["field"])) for c in mapping.columns]
        writer.writerow(["" if v is None else safe(v) for v in cells])
        count += 1
    return count
