"""Excel exports of the projects app (openpyxl): the ranking of a category and its scores."""

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from portal import spreadsheets
from portal.spreadsheets import safe

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT = Font(bold=True)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WAN = Decimal(10_000)


def _sheet(workbook: Workbook, title: str, headers: list[str], rows, widths: list[int]):
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([safe(value) for value in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.border = BORDER
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    return sheet


def _wan(amount: Decimal | None) -> float | None:
    # openpyxl writes numbers as floats anyway; round to the 0.01万元 shown.
    return None if amount is None else float((amount / WAN).quantize(Decimal("0.0001")))


def ranking_workbook(ranking) -> bytes:
    """Two sheets: 排名 (one row per application) and 评分明细 (one row per expert score)."""
    lot = ranking.lot
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    rank_rows = []
    for place, application in enumerate(ranking.applications, start=1):
        totals = [a.total for a in application.submitted_scores]
        rank_rows.append(
            [
                place,
                application.number,
                application.title,
                application.lead_organisation.name,
                application.get_status_display(),
                float(application.final_score) if application.final_score is not None else None,
                application.score_count,
                float(min(totals)) if totals else None,
                float(max(totals)) if totals else None,
                float(application.score_spread) if application.score_spread is not None else None,
                _wan(application.requested_amount),
                _wan(application.approved_amount),
            ]
        )
    sheet = _sheet(
        workbook,
        "排名",
        [
            "名次",
            "申报编号",
            "项目名称",
            "牵头单位",
            "状态",
            "最终得分（去掉最高最低分后平均）",
            "评分专家数",
            "最低分",
            "最高分",
            "分差",
            "申请金额（万元）",
            "立项金额（万元）",
        ],
        rank_rows,
        [6, 16, 36, 30, 12, 16, 10, 8, 8, 8, 14, 14],
    )
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.number_format = "0.00"
    for row in sheet.iter_rows(min_row=2, min_col=11, max_col=12):
        for cell in row:
            cell.number_format = "#,##0.00"
    footer = sheet.max_row + 2
    sheet.cell(footer, 1, f"{lot.call.title} · 第{lot.code}类 {lot.name}")
    sheet.cell(footer + 1, 1, "预算（万元）")
    sheet.cell(footer + 1, 2, _wan(ranking.budget))
    sheet.cell(footer + 2, 1, "已立项（万元）")
    sheet.cell(footer + 2, 2, _wan(ranking.used))
    sheet.cell(footer + 3, 1, "剩余（万元）")
    sheet.cell(footer + 3, 2, _wan(ranking.available))

    criteria = lot.spec.get("criteria", [])
    score_rows = []
    for application in ranking.applications:
        for assignment in application.submitted_scores:
            items = {item.criterion_code: item.points for item in assignment.items.all()}
            score_rows.append(
                [
                    application.number,
                    application.title,
                    str(assignment.expert),
                    *[float(items[c["code"]]) if c["code"] in items else None for c in criteria],
                    float(assignment.total) if assignment.total is not None else None,
                    assignment.comment,
                ]
            )
    _sheet(
        workbook,
        "评分明细",
        [
            "申报编号",
            "项目名称",
            "评审专家",
            *[f"{c['name']}（{c['weight']}分）" for c in criteria],
            "总分",
            "评审意见",
        ],
        score_rows,
        [16, 36, 12, *[14 for _c in criteria], 8, 40],
    )
    return spreadsheets.save(workbook)
