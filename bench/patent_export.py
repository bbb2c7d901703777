"""Benchmark: exporting a pool of 100,000 patents to Excel (issue 5: within 1.5× raw openpyxl).

Runs on a throw-away test database (PostgreSQL: `test_bench_patent_export` on the server of
BENCH_DATABASE_URL, or DATABASE_URL when set): stores 100,000 patents (the import benchmark's
rows, a third of them screened, some converted, some notes that look like formulas), then
times, side by side in one run, the export
(patents.exporters.pool_workbook fed by the selector's streamed rows) and raw openpyxl in
write-only mode writing the same cells from plain lists already in memory. Each is timed on its
own, then run again under tracemalloc for its peak memory. Prints seconds, peak MB and the
export's ratio to raw for both; the statistics page's selector is timed on the same pool.

    make bench                       # or: .venv/bin/python bench/patent_export.py [--rows N]
"""

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if __name__ == "__main__":
    from urllib.parse import urlsplit, urlunsplit

    from bench.data.base import server_url

    os.environ.setdefault(
        "DATABASE_URL", urlunsplit(urlsplit(server_url())._replace(path="/bench_patent_export"))
    )
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from bench.patent_import import rows as import_rows  # noqa: E402

GOAL = 1.5
INDUSTRIES = ["01", "02", "03", "04", "05", "06", "07"]
NOTES = ["市场前景好", "需二次开发", '=HYPERLINK("http://x")', "", "+86 电话联系"]


def store_pool(count: int, owners, screener) -> None:
    """The import benchmark's rows as patents, spread over the owners; every third screened."""
    from patents.importers import KINDS, STATUSES
    from patents.models import Patent

    screened_at = timezone.now()
    batch = []
    for serial, row in enumerate(import_rows(count)):
        screened = serial % 3 == 0
        batch.append(
            Patent(
                number=row[0],
                title=row[1],
                kind=KINDS[row[2]],
                status=STATUSES[row[3]],
                filed_on=date.fromisoformat(row[4]),
                granted_on=date.fromisoformat(row[5]),
                ipc=row[6],
                inventors=row[7],
                abstract=row[8],
                state_funded=row[9] == "是",
                converted=serial % 11 == 0,
                owner=owners[serial % len(owners)],
                screened_at=screened_at if screened else None,
                screened_by=screener if screened else None,
                tier="ABC"[serial // 3 % 3] if screened else "",
                industry=INDUSTRIES[serial % len(INDUSTRIES)] if screened else "",
                screen_note=NOTES[serial % len(NOTES)] if screened else "",
            )
        )
        if len(batch) == 5000:
            Patent.objects.bulk_create(batch)
            batch = []
    Patent.objects.bulk_create(batch)


def export(user) -> int:
    from patents import exporters, selectors

    rows = selectors.patent_export_rows(selectors.patent_search(user=user))
    with tempfile.TemporaryFile() as handle:
        return exporters.pool_workbook(rows, handle)


def raw(plain: list[list]) -> int:
    from patents.exporters import POOL_COLUMNS, POOL_SHEET

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(POOL_SHEET)
    sheet.append([header for header, _width in POOL_COLUMNS])
    for row in plain:
        sheet.append(row)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
    return len(plain)


def expect(condition: bool, detail) -> None:
    if not condition:
        raise SystemExit(f"benchmark went wrong: {detail}")


def seconds_of(call) -> float:
    gc.collect()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def peak_mb_of(call) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1_048_576
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; best kept")
    options = parser.parse_args()
    count = options.rows

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from patents import exporters, selectors
        from portal.factories import valid_credit_code
        from portal.models import Organisation, Region, Role, User

        owners = [
            Organisation.objects.create(
                name=name,
                credit_code=valid_credit_code(999_100 + index),
                kind=Organisation.Kind.UNIVERSITY,
                region=Region.objects.get(code=code),
                status=Organisation.Status.VERIFIED,
            )
            for index, (name, code) in enumerate(
                [("基准大学甲", "610100"), ("基准大学乙", "610902"), ("基准研究院", "610300")]
            )
        ]
        reviewer = User.objects.create(username="bench-reviewer", role=Role.REVIEWER)
        start = time.perf_counter()
        store_pool(count, owners, reviewer)
        print(
            f"{connection.vendor}, {count:,} patents stored in {time.perf_counter() - start:.1f} s"
        )

        # The same cells, as plain lists in memory before raw openpyxl is timed.
        gc.collect()
        tracemalloc.start()
        plain = [
            exporters.pool_cells(row)
            for row in selectors.patent_export_rows(selectors.patent_search(user=reviewer))
        ]
        held_mb = tracemalloc.get_traced_memory()[0] / 1_048_576
        tracemalloc.stop()
        print(f"the rows as plain lists hold {held_mb:.1f} MB (what the export never holds)")
        expect(len(plain) == count, f"{len(plain)} rows read")
        expect(export(reviewer) == count, "the export wrote another number of rows")

        # Interleaved, best of --repeat: another process's load hits both sides alike.
        calls = {"raw openpyxl": lambda: raw(plain), "export": lambda: export(reviewer)}
        best = dict.fromkeys(calls, float("inf"))
        for _ in range(max(1, options.repeat)):
            for label, call in calls.items():
                best[label] = min(best[label], seconds_of(call))
        figures = {label: (best[label], peak_mb_of(call)) for label, call in calls.items()}
        print(f"{'':<34} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
        for label, (seconds, peak) in figures.items():
            print(f"{label:<34} {seconds:8.2f} {count / seconds:9.0f} {peak:8.1f}")
        (raw_s, raw_mb), (export_s, export_mb) = figures["raw openpyxl"], figures["export"]
        ratio = export_s / raw_s
        print(
            f"export / raw: time {ratio:.2f}× (goal ≤ {GOAL}×: "
            f"{'met' if ratio <= GOAL else 'MISSED'}), peak memory {export_mb / raw_mb:.2f}× "
            f"(+{export_mb - raw_mb:.1f} MB: a chunk of rows from the database; raw's lists sit "
            "in memory before it starts and are not counted)"
        )
        today = timezone.localdate()
        stats_s = seconds_of(lambda: selectors.pool_statistics(user=reviewer, today=today))
        stats = selectors.pool_statistics(user=reviewer, today=today)
        print(
            f"pool statistics (4 queries)       {stats_s:8.2f} s: {stats.total.total:,} "
            f"patents, coverage {stats.total.coverage.percent}%, "
            f"{stats.total.unimplemented:,} state-funded unimplemented > 5 years"
        )
        expect(stats.total.total == count, stats.total)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
