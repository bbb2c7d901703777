"""Patent lists as a university uploads them (the columns of the template), and their import
checked (the dry run). Shared by the patents tests and by other apps' tests of uploads."""

import csv
import io

from patents import services
from patents.factories import patent_number

HEADER = [
    "申请号",
    "专利名称",
    "专利类型",
    "法律状态",
    "申请日",
    "授权日",
    "IPC分类号",
    "是否财政资助",
]


def csv_bytes(rows: list[list[str]], header=HEADER, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def good_row(serial: int, **changes) -> list[str]:
    row = {
        "number": patent_number(serial),
        "title": f"一种富硒材料的制备方法{serial}",
        "kind": "发明",
        "status": "有效",
        "filed_on": "2021-03-05",
        "granted_on": "2023/6/2",
        "ipc": "C01B19/00; A23L33/16",
        "funded": "否",
    }
    row.update(changes)
    return list(row.values())


def check(actor, owner, content: bytes, name="list.csv"):
    return services.patent_import_check(
        actor=actor, owner=owner, handle=io.BytesIO(content), name=name, size=len(content)
    )
