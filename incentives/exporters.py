"""Excel out of the incentives app (openpyxl): spending by policy, city, organisation kind and
quarter of payment, and budgets against spending: the statement that goes to the finance bureau.

Every sheet is a table with its title block (奖补资金使用情况 and the breakdown; 填报单位, the
budget year, 单位：元, 导出时间), printed on A4 with its header on every page, and ends with the
signature line. Amounts are numbers in yuan to the fen (as payments are made), never text;
headers are Chinese whatever the language of the request (the statement is exchanged as it is).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from incentives.spending import BudgetRow, Row, Spending
from portal import formats, spreadsheets
from portal.spreadsheets import COUNT_FORMAT, MONEY_FORMAT, Column, Heading, safe

YUAN, COUNT, PERCENT = MONEY_FORMAT, COUNT_FORMAT, "0.0"
# (header, width, number format of the column)
SPENT = [("已批准笔数", 12, COUNT), ("批准金额（元）", 18, YUAN), ("已兑付金额（元）", 18, YUAN),
         ("待兑付金额（元）", 18, YUAN)]  # fmt: skip
BUDGET = [("预算（元）", 18, YUAN), ("已批准未兑付（元）", 18, YUAN), ("已兑付（元）", 18, YUAN),
          ("余额（元）", 18, YUAN), ("执行率（%）", 10, PERCENT)]  # fmt: skip
QUARTER = [("兑付季度", 16, None), ("兑付笔数", 12, COUNT), ("兑付金额（元）", 18, YUAN)]
TOTAL = "合计"


def _text(value: str) -> str:
    """Free text as a cell: no control character openpyxl would refuse, never a formula."""
    return safe(ILLEGAL_CHARACTERS_RE.sub("", value or ""))


def _sheet(
    workbook: Workbook,
    title: str,
    columns: list[tuple[str, int, str | None]],
    rows: list[list],
    *,
    heading: Heading,
) -> None:
    """A breakdown: its title block, the table (the total line in bold), the signature line."""
    sheet = workbook.create_sheet(title)
    table = [Column(name, width, number_format) for name, width, number_format in columns]
    shown = Heading(
        title=f"{heading.title}（{title}）",
        filled_by=heading.filled_by,
        unit=heading.unit,
        exported_at=heading.exported_at,
        extra=heading.extra,
    )
    last = spreadsheets.write_table(sheet, heading=shown, columns=table, rows=rows)
    if rows and rows[-1][0] == TOTAL:
        for cell in sheet[last]:
            cell.font = spreadsheets.BOLD
    spreadsheets.signature(sheet, last + 2, len(table))


def _spent(row: Row) -> list:
    return [row.claims, row.approved, row.paid, row.unpaid]


def _budget(row: BudgetRow) -> list:
    return [row.allocated, row.committed, row.paid, row.remaining, row.used_percent]


def _year(data: Spending) -> str:
    return formats.year(data.year) if data.year is not None else _("All years")


def spending_workbook(data: Spending, *, organisation: str = "") -> bytes:
    """One sheet per breakdown, each with a total line where one adds up; `organisation`: who
    draws the statement up (填报单位)."""
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    heading = Heading(
        title=_("Incentive spending"),
        filled_by=organisation,
        unit="元",
        exported_at=timezone.now(),
        extra=((_("Budget year"), _year(data)),),
    )
    total = [TOTAL, *_spent(data.total)]
    _sheet(workbook, "按政策", [("政策", 50, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.policies] + [total],
           heading=heading)  # fmt: skip
    _sheet(workbook, "按城市", [("城市", 16, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.cities] + [total],
           heading=heading)  # fmt: skip
    _sheet(workbook, "按单位类型", [("单位类型", 16, None), *SPENT],
           [[_text(r.label), *_spent(r)] for r in data.kinds] + [total],
           heading=heading)  # fmt: skip
    _sheet(
        workbook, "按兑付季度", QUARTER,
        [[formats.period(q.label), q.payments, q.paid] for q in data.quarters]
        + [[TOTAL, sum(q.payments for q in data.quarters), data.total.paid]],
        heading=heading,
    )  # fmt: skip
    _sheet(
        workbook, "预算执行（按政策）", [("政策", 50, None), ("预算主体", 12, None), *BUDGET],
        [[_text(r.label), _text(r.region), *_budget(r)] for r in data.budget_policies]
        + [[TOTAL, None, *_budget(data.budget_total)]],
        heading=heading,
    )  # fmt: skip
    _sheet(workbook, "预算执行（市级政策按城市）", [("城市", 16, None), *BUDGET],
           [[_text(r.label), *_budget(r)] for r in data.budget_cities],
           heading=heading)  # fmt: skip
    spreadsheets.notes_sheet(
        workbook,
        "说明",
        [
            f"预算年度：{_year(data)}。",
            "批准金额为已批准和已兑付申请的核定金额；已兑付金额为已登记的兑付记录；"
            "待兑付 = 批准金额 − 已兑付金额。",
            "城市按申请单位所在地统计，区县单位计入所在城市；兑付季度按兑付日期。",
            "预算余额 = 预算 − 已批准未兑付 − 已兑付；市级政策的预算按城市汇总。",
        ],
    )
    return spreadsheets.save(workbook)


def spending_file_names(year: int | None) -> tuple[str, str]:
    """(name, ASCII fallback): 奖补资金使用情况-2025年-2025年7月15日.xlsx."""
    today = timezone.localdate()
    name = spreadsheets.file_name(
        _("Incentive spending"),
        formats.year(year) if year is not None else _("All years"),
        formats.day(today),
    )
    return name, f"incentive-spending-{year or 'all'}-{today:%Y%m%d}.xlsx"
