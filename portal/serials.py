"""Yearly serial numbers from one counter per key (claim numbers JL2026-00001, application
numbers 2026-3-0007, …).

`next_serial` increments the counter row in one statement: on PostgreSQL the row lock of the
UPDATE (or the unique index of the INSERT) makes a second transaction wait for the first to
commit and then take the next number, so two creations at the same moment get consecutive
numbers instead of one failing on the unique number. SQLite serialises writers by itself.
The number never falls to or below the highest already issued (`issued`, read each time), so
records written around the counter (demo data, an older version's numbers) are never reused.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import Model

from portal.models import Counter


def next_serial(key: str, *, issued: Callable[[], int]) -> int:
    table = connection.ops.quote_name(Counter._meta.db_table)
    floor = issued() + 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = CASE WHEN value + 1 > %s THEN value + 1 ELSE %s END "  # noqa: S608
            "WHERE key = %s RETURNING value",
            [floor, floor, key],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "  # noqa: S608
                f"SET value = CASE WHEN {table}.value + 1 > %s THEN {table}.value + 1 ELSE %s END "
                "RETURNING value",
                [key, floor, floor, floor],
            )
            row = cursor.fetchone()
    return int(row[0])


def next_number(model: type[Model], prefix: str, width: int) -> str:
    """The next number "<prefix><serial>" of `model`'s `number` field, zero-padded to `width`
    (claims "JL2026-00001", applications "2026-3-0007")."""

    def issued() -> int:
        last = (
            model._default_manager.filter(number__startswith=prefix)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        return int(last.removeprefix(prefix)) if last else 0

    key = f"{model._meta.label_lower}:{prefix}"
    return f"{prefix}{next_serial(key, issued=issued):0{width}d}"
