"""Excel out of the incentives app (openpyxl): spending by policy, city, organisation kind and
quarter of payment, and budgets against spending. Chinese headers whatever the language of the
request (the workbook is exchanged as it is); amounts are numbers in yuan, never text."""

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from incentives.spending import BudgetRow, Row, Spending
from portal import spreadsheets
from portal.spreadsheets import safe

YUAN, COUNT, PERCENT = "#,##0.00", "0", "0.0"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
# (header, width, number format of the column)
SPENT = [("已批准笔数", 12, COUNT), ("批准金额（元）", 18, YUAN), ("已兑付金额（元）", 18, YUAN),
         ("待兑付金额（元）", 18, YUAN)]  # fmt: skip
BUDGET = [("预算（元）", 18, YUAN), ("已批准未兑付（元）", 18, YUAN), ("已兑付（元）", 18, YUAN),
          ("余额（元）", 18, YUAN), ("执行率（%）", 12, PERCENT)]  # fmt: skip
QUARTER = [("兑付季度", 12, None), ("兑付笔数", 12, COUNT), ("兑付金额（元）", 18, YUAN)]


def _text(value: str) -> str:
    """Free text as a cell: no control character openpyxl would refuse, never a formula."""
    return safe(ILLEGAL_CHARACTERS_RE.sub("", value or ""))


def _sheet(
    workbook: Workbook, title: str, columns: list[tuple[str, int, str | None]], rows: list[list]
) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([name for name, _width, _format in columns])
    for index, (_name, width, _format) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        sheet.append(row)
    for index, (_name, _width, number_format) in enumerate(columns, start=1):
        if number_format is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"


def _spent(row: Row) -> list:
    return [row.claims, row.approved, row.paid, row.unpaid]


def _budget(row: BudgetRow) -> list:
    return [row.allocated, row.committed, row.paid, row.remaining, row.used_percent]


def spending_workbook(data: Spending) -> bytes:
    """One sheet per breakdown, each with a total line where one adds up."""
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    total = ["合计", *_spent(data.total)]
    _sheet(workbook, "按政策", [("政策", 50, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.policies] + [total])  # fmt: skip
    _sheet(workbook, "按城市", [("城市", 16, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.cities] + [total])  # fmt: skip
    _sheet(workbook, "按单位类型", [("单位类型", 16, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.kinds] + [total])  # fmt: skip
    _sheet(
        workbook, "按兑付季度", QUARTER,
        [[q.label, q.payments, q.paid] for q in data.quarters]
        + [["合计", sum(q.payments for q in data.quarters), data.total.paid]],
    )  # fmt: skip
    _sheet(
        workbook, "预算执行（按政策）", [("政策", 50, None), ("预算主体", 12, None), *BUDGET],
        [[_text(r.label), _text(r.region), *_budget(r)] for r in data.budget_policies]
        + [["合计", None, *_budget(data.budget_total)]],
    )  # fmt: skip
    _sheet(workbook, "预算执行（市级政策按城市）", [("城市", 16, None), *BUDGET],
           [[_text(r.label), *_budget(r)] for r in data.budget_cities])  # fmt: skip
    notes = workbook.create_sheet("说明")
    for line in (
        f"预算年度：{data.year if data.year is not None else '全部年度'}。",
        "批准金额为已批准和已兑付申请的核定金额；已兑付金额为已登记的兑付记录；"
        "待兑付 = 批准金额 − 已兑付金额。",
        "城市按申请单位所在地统计，区县单位计入所在城市；兑付季度按兑付日期。",
        "预算余额 = 预算 − 已批准未兑付 − 已兑付；市级政策的预算按城市汇总。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return spreadsheets.save(workbook)
