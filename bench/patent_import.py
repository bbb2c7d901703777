"""Benchmark: a university imports its list of 100,000 patents (.xlsx): the dry run and the
commit, in seconds and peak memory, side by side with openpyxl reading the same file and doing
nothing else (issue 9: within 3× that raw read; memory flat in the number of rows).

For 10,000, 50,000 and 100,000 rows (--rows), in one run: the workbook is written in memory
(openpyxl write-only), then each of these is timed on its own (the reads: best of --repeat) and
run again under tracemalloc for its peak (what Python allocates beyond the workbook's bytes,
which all three are given):

- raw read: openpyxl, read-only, every row's values (`load_workbook(read_only=True)`);
- dry run: patents.services.patent_import_check (reads, checks every cell, looks the numbers up
  in the pool, keeps the file);
- commit: patents.services.patent_import_apply (reads and checks again, stores every patent in
  one transaction).

At the largest size, the same list with every title changed is checked and applied again (every
row an update). Runs on a throw-away test database (PostgreSQL: `test_bench_patent_import` on
the server of BENCH_DATABASE_URL, or DATABASE_URL when set).

    .venv/bin/python bench/patent_import.py [--rows 10000,50000,100000]
"""

import argparse
import gc
import io
import logging
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database_url() -> str:
    from urllib.parse import urlsplit, urlunsplit

    from bench.data.base import server_url

    return urlunsplit(urlsplit(server_url())._replace(path="/bench_patent_import"))


if __name__ == "__main__":
    os.environ.setdefault("DATABASE_URL", _database_url())
    os.environ.pop("CELERY_BROKER_URL", None)  # matching after the commit runs in-process
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))

import django  # noqa: E402

django.setup()
logging.getLogger("celery").setLevel(logging.WARNING)  # no line per task run in-process

from django.db import connection  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

GOAL = 3.0
TITLES = [
    "一种富硒茶叶的低温萃取方法",
    "基于深度学习的输电线路缺陷检测系统",
    "高强度镁合金及其制备工艺",
    "一种中药复方制剂及其应用",
    "秸秆基可降解包装材料",
    "无人机集群协同控制方法",
]
IPCS = ["A23F3/16", "G06N3/08;H02J13/00", "C22C23/02", "A61K36/9066", "C08L97/02", "G05D1/10"]


def rows(count: int, *, suffix: str = ""):
    """A list as a university keeps it: valid numbers (check characters), dates as text."""
    from portal.identifiers import patent_check_character

    for serial in range(count):
        digits = f"{2015 + serial % 10}1{serial:07d}"
        yield [
            f"{digits}.{patent_check_character(digits)}",
            f"{TITLES[serial % len(TITLES)]}{suffix}",
            "发明",
            "有效",
            f"{2015 + serial % 10}-03-05",
            f"{2017 + serial % 10}-06-02",
            IPCS[serial % len(IPCS)],
            "张三；李四",
            "本发明公开了……",
            "是" if serial % 7 == 0 else "否",
            "",
            "否",
            "否",
            "",
        ]


def as_xlsx(count: int, suffix: str = "") -> bytes:
    from patents.importers import HEADERS, SHEET

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append(HEADERS)
    for row in rows(count, suffix=suffix):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def raw_read(data: bytes) -> int:
    """openpyxl reading every value of the workbook, and nothing else."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = 0
    for _row in workbook.worksheets[0].iter_rows(values_only=True):
        count += 1
    workbook.close()
    return count - 1  # the header


def measured(call, repeat: int = 1) -> tuple[float, float, object]:
    """(seconds, peak MB, result): timed on its own (the best of `repeat`: another process's
    load can only slow a run down), then run again under tracemalloc."""
    seconds = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = call()
        seconds = min(seconds, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    try:
        call()
        peak = tracemalloc.get_traced_memory()[1] / 1_048_576
    finally:
        tracemalloc.stop()
    return seconds, peak, result


def expect(condition: bool, detail) -> None:
    if not condition:
        raise SystemExit(f"benchmark data was not imported as expected: {detail}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,50000,100000")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of the reads; best kept")
    options = parser.parse_args()
    sizes = [int(value) for value in options.rows.split(",")]

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from patents import services
        from patents.models import Patent, PatentImport
        from portal.factories import valid_credit_code
        from portal.models import Organisation, Region, Role, User

        university = Organisation.objects.create(
            name="基准测试大学", credit_code=valid_credit_code(999_001),
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100"),
            status=Organisation.Status.VERIFIED,
        )  # fmt: skip
        staff = User.objects.create(username="bench", role=Role.APPLICANT, organisation=university)
        pool = Patent.objects.filter(owner=university)

        def check(data: bytes, name: str):
            return services.patent_import_check(
                actor=staff, owner=university, handle=io.BytesIO(data), name=name, size=len(data)
            )

        def commit(data: bytes, name: str, *, empty_first: bool):
            """Check, then time the apply alone (the pool emptied first when asked)."""
            if empty_first:
                pool._raw_delete(pool.db)
            checked = check(data, name)
            start = time.perf_counter()
            result = services.patent_import_apply(actor=staff, patent_import=checked.patent_import)
            return time.perf_counter() - start, result

        def commit_measured(data: bytes, name: str, *, empty_first: bool, again: bytes = b""):
            """Timed on its own, then again under tracemalloc (with `again`, another list, when
            the first one's apply leaves nothing to do a second time)."""
            seconds, result = commit(data, name, empty_first=empty_first)
            gc.collect()
            if empty_first:
                pool._raw_delete(pool.db)
            checked = check(again or data, name)
            tracemalloc.start()
            try:
                services.patent_import_apply(actor=staff, patent_import=checked.patent_import)
                peak = tracemalloc.get_traced_memory()[1] / 1_048_576
            finally:
                tracemalloc.stop()
            return seconds, peak, result

        print(f"{connection.vendor} ({connection.settings_dict['NAME']}); peak memory under "
              "tracemalloc, beyond the workbook's bytes")  # fmt: skip
        print(f"{'rows':>8} {'xlsx MB':>8} | {'raw read':>17} | {'dry run':>24} | {'commit':>24}")
        print(f"{'':>8} {'':>8} | {'s':>8} {'MB':>8} | {'s':>8} {'MB':>6} {'× raw':>8} | "
              f"{'s':>8} {'MB':>6} {'× raw':>8}")  # fmt: skip
        figures = {}
        for count in sizes:
            pool._raw_delete(pool.db)
            data = as_xlsx(count)
            raw_s, raw_mb, read = measured(lambda data=data: raw_read(data), options.repeat)
            expect(read == count, f"{read} rows read")
            dry_s, dry_mb, result = measured(
                lambda data=data: check(data, "清单.xlsx"), options.repeat
            )
            expect(result.to_create == count and not result.problems, result.problems[:3])
            commit_s, commit_mb, applied = commit_measured(data, "清单.xlsx", empty_first=True)
            expect(applied.to_create == count and pool.count() == count, applied.to_create)
            figures[count] = (raw_s, raw_mb, dry_s, dry_mb, commit_s, commit_mb)
            print(f"{count:>8,} {len(data) / 1_048_576:>8.1f} | {raw_s:>8.2f} {raw_mb:>8.1f} | "
                  f"{dry_s:>8.2f} {dry_mb:>6.1f} {dry_s / raw_s:>7.2f}× | "
                  f"{commit_s:>8.2f} {commit_mb:>6.1f} {commit_s / raw_s:>7.2f}×")  # fmt: skip

        # Every row an update: the same numbers with new titles (twice: timed, then measured).
        count = sizes[-1]
        changed, again = as_xlsx(count, suffix="（修订）"), as_xlsx(count, suffix="（再修订）")
        raw_s = figures[count][0]
        dry_s, dry_mb, result = measured(lambda: check(changed, "修订.xlsx"))
        expect(result.to_update == count, result.problems[:3])
        update_s, update_mb, applied = commit_measured(
            changed, "修订.xlsx", empty_first=False, again=again
        )
        expect(applied.to_update == count, applied.to_update)
        print(f"{count:>8,} updated  | {'':>17} | {dry_s:>8.2f} {dry_mb:>6.1f} "
              f"{dry_s / raw_s:>7.2f}× | {update_s:>8.2f} {update_mb:>6.1f} "
              f"{update_s / raw_s:>7.2f}×")  # fmt: skip
        PatentImport.objects.all().delete()

        largest, smallest = figures[sizes[-1]], figures[sizes[0]]
        for label, seconds, index in (("dry run", largest[2], 3), ("commit", largest[4], 5)):
            ratio = seconds / largest[0]
            growth = largest[index] / smallest[index]
            print(
                f"{label} at {sizes[-1]:,} rows: {ratio:.2f}× the raw read (goal ≤ {GOAL:g}×: "
                f"{'met' if ratio <= GOAL else 'MISSED'}); peak memory {smallest[index]:.1f} MB "
                f"at {sizes[0]:,} rows, {largest[index]:.1f} MB at {sizes[-1]:,} "
                f"(×{growth:.1f} for ×{sizes[-1] / sizes[0]:g} rows; raw read ×"
                f"{largest[1] / smallest[1]:.1f})"
            )
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
