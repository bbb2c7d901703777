"""Benchmark: importing a university's list of 100,000 patents (issue 5: well under a minute).

Runs on a throw-away test database (SQLite by default; PostgreSQL when DATABASE_URL says so):
writes the list as .csv and as .xlsx, then times, side by side in one run, the dry run and the
import of each, and a re-import that updates every row. Prints each figure, rows per second, and
its ratio to the 60-second budget.

    make bench                       # or: .venv/bin/python bench/patent_import.py [--rows N]
"""

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

BUDGET = 60.0
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


def as_csv(count: int, suffix: str = "") -> bytes:
    from patents.importers import HEADERS

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows(count, suffix=suffix))
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(count: int) -> bytes:
    from patents.importers import HEADERS, SHEET

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append(HEADERS)
    for row in rows(count):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(label: str, count: int, call):
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    print(
        f"{label:<34} {seconds:7.2f} s  {count / seconds:9.0f} rows/s  "
        f"{seconds / BUDGET:5.2f} of the 60 s budget"
    )
    return result


def expect(condition: bool, detail) -> None:
    if not condition:
        raise SystemExit(f"benchmark data was not imported as expected: {detail}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    count = parser.parse_args().rows

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from patents import services
        from portal.models import Organisation, Region, Role, User
        from portal.tests.factories import valid_credit_code

        university = Organisation.objects.create(
            name="基准测试大学", credit_code=valid_credit_code(999_001),
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100"),
            status=Organisation.Status.VERIFIED,
        )  # fmt: skip
        other = Organisation.objects.create(
            name="基准测试研究院", credit_code=valid_credit_code(999_002),
            kind=Organisation.Kind.RESEARCH_INSTITUTE, region=Region.objects.get(code="610100"),
            status=Organisation.Status.VERIFIED,
        )  # fmt: skip
        staff = User.objects.create(username="bench", role=Role.APPLICANT, organisation=university)
        staff2 = User.objects.create(username="bench2", role=Role.APPLICANT, organisation=other)

        print(f"{connection.vendor}, {count:,} rows")
        csv_data = timed("write the .csv", count, lambda: as_csv(count))
        xlsx_data = timed("write the .xlsx (write-only)", count, lambda: as_xlsx(count))
        print(f"sizes: csv {len(csv_data) / 1e6:.1f} MB, xlsx {len(xlsx_data) / 1e6:.1f} MB")

        def check(actor, owner, data, name):
            return services.patent_import_check(
                actor=actor, owner=owner, handle=io.BytesIO(data), name=name, size=len(data)
            )

        result = timed("dry run, .csv", count, lambda: check(staff, university, csv_data, "a.csv"))
        expect(result.to_create == count and not result.problems, result.problems[:3])
        timed("import, .csv (all new)", count, lambda: services.patent_import_apply(
            actor=staff, patent_import=result.patent_import))  # fmt: skip
        updated = as_csv(count, suffix="（修订）")
        again = timed("dry run, .csv (all existing)", count,
                      lambda: check(staff, university, updated, "b.csv"))  # fmt: skip
        expect(again.to_update == count, again.problems[:3])
        timed("re-import, .csv (all updated)", count, lambda: services.patent_import_apply(
            actor=staff, patent_import=again.patent_import))  # fmt: skip
        # The .xlsx of the same numbers belongs to another organisation: refused row by row.
        refused = timed("dry run, .xlsx (all refused)", count,
                        lambda: check(staff2, other, xlsx_data, "c.xlsx"))  # fmt: skip
        expect(len(refused.problems) == count, refused.problems[:3])
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
