"""Workbooks people print and keep (issue 18), as the tests check them: the download's Chinese
name, the title block, the print setup, the cells as people read them; and a workbook re-saved
by a real spreadsheet program (LibreOffice Calc, headless), as a city re-saves what it filled.
"""

import io
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from tests import conventions
from tests.services import missing_service

CJK = re.compile(f"[{conventions.CJK}]")
# What people must never read in a cell (the brief's patterns; the conventions module's rules).
FORBIDDEN = {
    rule.code: rule.pattern
    for rule in conventions.NEUTRAL_RULES
    if rule.code in {"iso-date", "quarter-code", "code-token"}
}
TITLE_ROWS = re.compile(r"\$?(\d+):\$?(\d+)")
SIGNATURE = ("单位负责人", "Head of unit")  # in Chinese, in English


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        missing_service("needs LibreOffice Calc: apt-get install -y libreoffice-calc-nogui")
    return str(path)


def convert(content: bytes, folder: Path, *, to: str = "xlsx:Calc MS Excel 2007 XML") -> bytes:
    """The workbook opened in LibreOffice Calc and saved again (`to`: xlsx, or pdf)."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "book.xlsx"
    source.write_bytes(content)
    out = folder / "out"
    out.mkdir(exist_ok=True)
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    suffix = to.split(":", 1)[0]
    return (out / f"book.{suffix}").read_bytes()


def download_names(disposition: str) -> tuple[str, str]:
    """(the real name, the ASCII fallback) of a Content-Disposition header."""
    real = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.IGNORECASE)
    fallback = re.search(r'filename="([^"]*)"', disposition)
    return (
        unquote(real.group(1)) if real else "",
        fallback.group(1) if fallback else "",
    )


def name_problems(disposition: str, suffix: str = ".xlsx") -> list[str]:
    real, fallback = download_names(disposition)
    found = []
    if not (real.endswith(suffix) and CJK.search(real)):
        found.append(f"no Chinese file name in filename* ({disposition})")
    if not (fallback.endswith(suffix) and fallback.isascii()):
        found.append(f"no ASCII fallback name ({disposition})")
    return found


def _hidden_columns(sheet) -> set[int]:
    hidden: set[int] = set()
    for key, dimension in sheet.column_dimensions.items():
        if dimension.hidden:
            first = dimension.min or column_index_from_string(key)
            last = dimension.max or first
            hidden.update(range(first, last + 1))
    return hidden


def _print_columns(sheet) -> int | None:
    """The last column of the sheet's print area, if it has one."""
    area = sheet.print_area
    if not area:
        return None
    found = re.findall(r"\$?([A-Z]+)\$?\d*", str(area).split("!")[-1])
    return column_index_from_string(found[-1]) if found else None


def sheet_problems(sheet, *, recorded: frozenset[str] = frozenset()) -> list[str]:
    """What a visible sheet lacks to be printed and kept, or shows that people must not read
    (a date cell is shown as 2025年7月15日, or 15 July 2025 in English). `recorded`: headers of
    columns holding evidence as it was recorded (the audit log's), whose text is not read."""
    where = f"sheet {sheet.title}"
    found = []
    title = sheet["A1"]
    if not (isinstance(title.value, str) and title.value.strip() and title.font.bold):
        found.append(f"{where}: no title in A1 ({title.value!r})")
    setup = sheet.page_setup
    if str(setup.paperSize) != "9":
        found.append(f"{where}: paper {setup.paperSize}, not A4")
    if (setup.fitToWidth, setup.fitToHeight) != (1, 0):
        found.append(f"{where}: not fit to one page wide ({setup.fitToWidth}, {setup.fitToHeight})")
    if not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage:
        found.append(f"{where}: fit to page not turned on")
    footer = sheet.oddFooter.center.text or ""
    if "&P" not in footer or "&N" not in footer:
        found.append(f"{where}: no page numbers in the footer ({footer!r})")
    titles = TITLE_ROWS.search(sheet.print_title_rows or "")
    if titles is None:
        found.append(f"{where}: no header rows repeated on each printed page")
        return found
    header = int(titles.group(2))
    hidden = _hidden_columns(sheet)
    if sheet.max_column > 1:  # a table (a sheet of notes has one column and no frozen header)
        if sheet.freeze_panes != f"A{header + 1}":
            found.append(f"{where}: panes frozen at {sheet.freeze_panes}, not under row {header}")
        headers = [
            cell.value
            for cell in sheet[header]
            if cell.value not in (None, "") and cell.column not in hidden
        ]
        if not headers:
            found.append(f"{where}: row {header} (repeated on each page) holds no header")
        printed = _print_columns(sheet)
        wide = len(headers[:printed] if printed else headers) > 8
        if wide and setup.orientation != "landscape":
            found.append(f"{where}: {len(headers)} columns printed portrait")
    evidence = {cell.column for cell in sheet[header] if cell.value in recorded}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.column in hidden or cell.value is None:
                continue
            if cell.column in evidence and cell.row > header:
                continue
            at = f"{where}!{cell.coordinate}"
            if isinstance(cell.value, datetime | date):
                if not re.search(r"年|mmm", str(cell.number_format)):
                    found.append(f"{at}: a date shown as {cell.number_format}")
                continue
            if not isinstance(cell.value, str):
                continue
            for code, pattern in FORBIDDEN.items():
                if pattern.search(cell.value):
                    found.append(f"{at}: {code} in {cell.value[:80]!r}")
    return found


def workbook_problems(content: bytes, **options) -> list[str]:
    book = load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        if sheet.sheet_state == "visible":
            found += sheet_problems(sheet, **options)
    return found


def has_signature(content: bytes) -> bool:
    """Whether every table of the workbook ends with the signature line (单位负责人：…)."""
    book = load_workbook(io.BytesIO(content))
    tables = [sheet for sheet in book.worksheets if sheet.max_column > 1]
    return bool(tables) and all(
        any(
            isinstance(cell.value, str) and cell.value.startswith(SIGNATURE)
            for (cell,) in sheet.iter_rows(min_col=1, max_col=1)
        )
        for sheet in tables
    )
