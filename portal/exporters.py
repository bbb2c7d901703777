"""Excel out of the portal core (openpyxl): the audit log, for the audit admin's export and for
the archive `manage.py purge_audit` writes before it deletes anything.

Every column the hash chain covers is written, with the row's hashes, so an archived row can be
checked against its hash later (portal/audit.py documents the serialisation).
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

from portal.models import AuditEntry
from portal.spreadsheets import safe

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
