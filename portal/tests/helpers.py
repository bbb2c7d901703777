"""Helpers shared by test modules: workbooks changed where Excel keeps them (the XML inside the
.xlsx), and audit rows changed behind the application's back."""

import io
import re
import zipfile
from contextlib import contextmanager

from django.db import connection

# Workbooks ------------------------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"


def rewrite(data: bytes, part: str, change, *, extra: dict | None = None) -> bytes:
    """The workbook with one part's XML changed (as a hostile file would be crafted)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = change(content)
            target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def with_formulas(data: bytes, cached: dict[str, str]) -> bytes:
    """openpyxl writes a formula without the value Excel would have computed; give some cells
    that value, as a workbook saved by Excel or WPS has."""

    def change(xml: bytes) -> bytes:
        for ref, value in cached.items():
            pattern = rb'<c r="' + ref.encode() + rb'"([^>]*)><f>(.*?)</f><v\s*/>'
            cell = b'<c r="%s"\\1 t="str"><f>\\2</f><v>%s</v>' % (ref.encode(), value.encode())
            xml = re.sub(pattern, cell, xml)
        return xml

    return rewrite(data, SHEET, change)


# The audit log --------------------------------------------------------------------------------


@contextmanager
def trigger_off():
    """Let raw SQL past PostgreSQL's append-only trigger (SQLite has none)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # Foreign-key checks deferred to the commit would make ALTER TABLE refuse.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE portal_auditentry DISABLE TRIGGER portal_auditentry_append_only"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE portal_auditentry ENABLE TRIGGER portal_auditentry_append_only"
            )


def tamper(sql: str, params: list) -> None:
    """Run `sql` as an intruder with a database account would."""
    with trigger_off(), connection.cursor() as cursor:
        cursor.execute(sql, params)
