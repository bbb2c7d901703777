"""Excel out of the portal core (openpyxl): the audit log, for the audit admin's export and for
the archive `manage.py purge_audit` writes before it deletes anything.

Every column the hash chain covers is written, with the row's hashes, so an archived row can be
checked against its hash later (portal/audit.py documents the serialisation). The archive is a
machine record: one header row, the time as exact ISO text. The export is for people: its title
block, the time as a date-time cell, the outcome as its label, printed on A4 landscape with the
columns a reader needs (the evidence and the hashes follow, outside the print area), and the
exact time kept in a hidden last column for checking a row against its hash.
"""

import json
from collections.abc import Iterable
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils import get_column_letter as letter

from portal import formats, spreadsheets
from portal.audit_display import EVENT_LABELS
from portal.models import AuditEntry
from portal.spreadsheets import Column, Heading, safe

EXCEL_CELL_MAX = 32_767


def _text(value: Any) -> str | None:
    """Free text as a cell: no control character openpyxl would refuse, within Excel's cell
    size, never a formula."""
    if value is None or value == "":
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if len(text) > EXCEL_CELL_MAX:
        text = text[: EXCEL_CELL_MAX - 1] + "…"
    return safe(text)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return _text(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))


def audit_columns() -> list[tuple[str, int]]:
    return [
        (_("entry"), 10),
        (_("time"), 28),
        (_("user"), 16),
        (_("user id"), 8),
        (_("IP address"), 16),
        (_("event"), 28),
        (_("outcome"), 10),
        (_("object type"), 22),
        (_("object id"), 10),
        (_("object"), 30),
        (_("reason"), 30),
        (_("before"), 40),
        (_("after"), 40),
        (_("hash algorithm"), 10),
        (_("previous hash"), 20),
        (_("hash"), 20),
    ]


def audit_cells(entry: AuditEntry) -> list[Any]:
    target_type = entry.target_type
    return [
        entry.pk,
        # Local time with its offset and microseconds: exact, and readable as is.
        timezone.localtime(entry.at).isoformat(timespec="microseconds"),
        _text(entry.actor_label),
        entry.actor_id,
        entry.ip,
        _text(entry.event),
        entry.outcome,
        f"{target_type.app_label}.{target_type.model}" if target_type else None,
        _text(entry.target_id),
        _text(entry.target_label),
        _text(entry.reason),
        _json(entry.before),
        _json(entry.after),
        entry.hash_algorithm or None,
        entry.prev_hash or None,
        entry.hash or None,
    ]


def audit_workbook(entries: Iterable[AuditEntry], handle: IO[bytes]) -> int:
    """Write audit entries (with `target_type` fetched) to `handle` as .xlsx, write-only so a
    long log streams through a bounded amount of memory. Returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log")[:31])
    columns = audit_columns()
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _width in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
        header.append(cell)
    sheet.append(header)
    count = 0
    for entry in entries:
        sheet.append(audit_cells(entry))
        count += 1
    workbook.save(handle)
    return count


def export_columns() -> list[Column]:
    """The export's columns: what a reader needs first (and prints), then the evidence."""
    moment = spreadsheets.moment_format()
    return [
        Column(_("entry"), 9, spreadsheets.COUNT_FORMAT),
        Column(_("time"), 22, moment),
        Column(_("user"), 14),
        Column(_("IP address"), 15),
        Column(_("what happened"), 22),
        Column(_("outcome"), 8),
        Column(_("object type"), 14),
        Column(_("object"), 26),
        Column(_("reason"), 28),
        Column(_("event"), 24),
        Column(_("user id"), 8),
        Column(_("object id"), 10),
        Column(_("before"), 40),
        Column(_("after"), 40),
        Column(_("hash algorithm"), 10),
        Column(_("previous hash"), 20),
        Column(_("hash"), 20),
        Column(_("exact time"), 34, hidden=True),
    ]


PRINTED = 9  # entry … reason


def recorded_headers() -> set[str]:
    """The headers of the export's columns that hold the entry as it was recorded (and hashed):
    its object and reason in the words of their day, its event name, the fields before and
    after, the hashes. They are evidence, written as recorded, never rewritten for reading."""
    return {
        _("object"), _("reason"), _("event"), _("before"), _("after"), _("hash algorithm"),
        _("previous hash"), _("hash"), _("exact time"),
    }  # fmt: skip


def export_cells(entry: AuditEntry) -> list[Any]:
    target_type = entry.target_type
    at = timezone.localtime(entry.at)
    return [
        entry.pk,
        spreadsheets.local_time(entry.at),
        _text(entry.actor_label),
        entry.ip,
        _text(EVENT_LABELS.get(entry.event, entry.event)),
        formats.label(AuditEntry.Outcome, entry.outcome),
        _text(target_type.name) if target_type else None,
        _text(entry.target_label),
        _text(entry.reason),
        _text(entry.event),
        entry.actor_id,
        _text(entry.target_id),
        _json(entry.before),
        _json(entry.after),
        entry.hash_algorithm or None,
        entry.prev_hash or None,
        entry.hash or None,
        at.isoformat(timespec="microseconds"),  # exact, as the hash chain has it (hidden)
    ]


def audit_export(entries: Iterable[AuditEntry], handle: IO[bytes]) -> int:
    """Write audit entries (with `target_type` fetched) to `handle` as the audit admin's export,
    write-only so a long log streams through a bounded amount of memory. Returns the number of
    rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log")[:31])
    columns = export_columns()
    heading = Heading(title=_("Audit log"), exported_at=timezone.now())
    header = spreadsheets.start_table(sheet, heading=heading, columns=columns, printed=PRINTED)
    count = 0
    for entry in entries:
        values = export_cells(entry)
        for index, column in enumerate(columns):
            if column.number_format and values[index] is not None:
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = column.number_format
                values[index] = cell
        sheet.append(values)
        count += 1
    sheet.print_area = f"A1:{letter(PRINTED)}{header + max(count, 1)}"
    workbook.save(handle)
    return count


def audit_export_file_names() -> tuple[str, str]:
    """(name, ASCII fallback): 审计日志-2025年7月15日.xlsx."""
    today = timezone.localdate()
    return (
        spreadsheets.file_name(_("Audit log"), formats.day(today)),
        f"audit-log-{today:%Y%m%d}.xlsx",
    )
