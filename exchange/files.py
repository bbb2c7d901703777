"""Reading and writing exchange files (.xlsx or .csv) through a mapping.

Reading finds the header row (the mapping's, or the first row holding every required header),
reads every cell through its column and reports each problem with its sheet and cell. Writing
puts the mapping's headers and the rows' cells, formula-safe, into .xlsx (write-only) or .csv.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from exchange.fields import CellError, read, text, write
from portal.problems import Problem
from portal.spreadsheets import check_xlsx, csv_cell, read_sheet, row_formula_problems, safe
from portal.uploads import SPREADSHEETS, check_upload, decode_text

HEADER_SEARCH_ROWS = 20


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "_row": its row number
    problems: list[Problem] = field(default_factory=list)
    sheet: str = ""
    read: int = 0  # the rows of data read below the header, good or not (empty rows skipped)


def read_file(handle: IO[bytes], *, name: str, size: int, max_bytes: int, mapping) -> Parsed:
    """An .xlsx or plain-text .csv, judged by its content (portal.uploads), read through the
    mapping."""
    kind = check_upload(name=name, handle=handle, size=size, max_bytes=max_bytes,
                        accept=SPREADSHEETS)  # fmt: skip
    if kind.code == "csv":
        text = decode_text(handle) or ""
        return read_rows(iter(list(csv.reader(io.StringIO(text)))), mapping=mapping, sheet=name)
    data = handle.read()
    check_xlsx(data, name=name)
    found = read_sheet(data, name=name, sheet_name=mapping.sheet)
    return read_rows(found.rows, mapping=mapping, sheet=found.title, formulas=found.formulas)


def _headers(row: list[Any]) -> dict[str, int]:
    return {text(value).replace("\n", "").replace(" ", ""): i for i, value in enumerate(row)}


def read_rows(
    rows: Iterable[list[Any]], *, mapping, sheet: str = "", formulas: dict[str, str] | None = None
) -> Parsed:
    """Rows of cells → rows of portal values keyed by field, and problems by cell (a formula's
    cell flagged as in every import: portal.spreadsheets.formula_problem)."""
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
        parsed.read += 1
        cells: dict[str, str] = {}
        values: dict[str, Any] = {"_row": number, "_cells": cells}
        flagged = row_formula_problems(formulas or {}, number=number, values=row, sheet=sheet)
        parsed.problems.extend(flagged)
        good = not any(p.is_blocking for p in flagged)
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
        writer.writerow([csv_cell(v) for v in cells])
        count += 1
    return count
