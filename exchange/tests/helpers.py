"""Lists as the province publishes them, and their import checked (the dry run). Shared by the
exchange tests and by other apps' tests of uploads and spreadsheets."""

import io

from openpyxl import Workbook

from exchange import services
from exchange.factories import mapping


def published(rows: list[list]) -> bytes:
    """The province's layout: a title line, then the headers 序号, 企业名称, 统一社会信用代码,
    所在市, 认定年度."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append(["2024年陕西省专精特新中小企业名单（第一批）"])
    sheet.append(["序号", "企业名称", "统一社会信用代码", "所在市", "认定年度"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_list(reviewer, content: bytes, name: str = "名单.xlsx"):
    """The dry run of the provincial 专精特新 list."""
    return services.import_check(
        actor=reviewer,
        mapping=mapping("zjtx-provincial"),
        handle=io.BytesIO(content),
        name=name,
        size=len(content),
    )
