"""Excel exports of the projects app (openpyxl): the ranking of a category and its scores.

Two tables, each with its title block (the call and category, 单位：万元 for the amounts, when it
was exported) and printed on A4 landscape with the header on every page: 排名 (one row per
application, then the budget used and left) and 评分明细 (one row per expert score).
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from portal import formats, spreadsheets
from portal.spreadsheets import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    SCORE_FORMAT,
    Column,
    Heading,
    Styled,
    write_row,
)

WAN = Decimal(10_000)


def _wan(amount: Decimal | None) -> Decimal | None:
    """Yuan in 万元, to the yuan (shown to 0.01万元)."""
    return None if amount is None else (amount / WAN).quantize(Decimal("0.0001"))


def _table(workbook: Workbook, title: str, heading: Heading, columns: list[Column], rows) -> int:
    """A sheet holding one table; returns its last row."""
    sheet = workbook.create_sheet(title)
    last = spreadsheets.write_table(sheet, heading=heading, columns=columns, rows=rows)
    header = heading.height + 1
    sheet.auto_filter.ref = f"A{header}:{get_column_letter(len(columns))}{last}"
    return last


def ranking_workbook(ranking) -> bytes:
    """Two sheets: 排名 (one row per application) and 评分明细 (one row per expert score)."""
    lot = ranking.lot
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    now = timezone.now()
    subject = _("category %(code)s %(name)s of %(call)s") % {
        "call": lot.call.title, "code": lot.code, "name": lot.name,
    }  # fmt: skip
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
                application.final_score,
                application.score_count,
                min(totals) if totals else None,
                max(totals) if totals else None,
                application.score_spread,
                _wan(application.requested_amount),
                _wan(application.approved_amount),
            ]
        )
    columns = [
        Column("名次", 6, COUNT_FORMAT),
        Column("申报编号", 16),
        Column("项目名称", 34),
        Column("牵头单位", 28),
        Column("状态", 12),
        Column("最终得分（去掉最高最低分后平均）", 16, SCORE_FORMAT),
        Column("评分专家数", 8, COUNT_FORMAT),
        Column("最低分", 8, SCORE_FORMAT),
        Column("最高分", 8, SCORE_FORMAT),
        Column("分差", 8, SCORE_FORMAT),
        Column("申请金额（万元）", 14, MONEY_FORMAT),
        Column("立项金额（万元）", 14, MONEY_FORMAT),
    ]
    heading = Heading(
        title=_("Review ranking: %(subject)s") % {"subject": subject},
        unit=formats.unit_label("wan"),
        exported_at=now,
    )
    last = _table(workbook, "排名", heading, columns, rank_rows)
    sheet = workbook["排名"]
    # The budget of the category under the amounts: labels right-aligned up to the last column.
    row = last + 2
    for label, amount in (
        ("预算（万元）", ranking.budget),
        ("已立项（万元）", ranking.used),
        ("剩余（万元）", ranking.available),
    ):
        write_row(
            sheet,
            row,
            [
                Styled(label, font=spreadsheets.BOLD, alignment=spreadsheets.RIGHT),
                *[None] * (len(columns) - 2),
                Styled(_wan(amount), number_format=MONEY_FORMAT, border=spreadsheets.BORDER),
            ],
        )
        spreadsheets.merge(sheet, row, 1, len(columns) - 1)
        row += 1

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
                    *[items.get(c["code"]) for c in criteria],
                    assignment.total,
                    assignment.comment,
                ]
            )
    columns = [
        Column("申报编号", 16),
        Column("项目名称", 30),
        Column("评审专家", 12),
        *[Column(f"{c['name']}（{c['weight']}分）", 12, SCORE_FORMAT) for c in criteria],
        Column("总分", 8, SCORE_FORMAT),
        Column("评审意见", 40),
    ]
    heading = Heading(title=_("Expert scores: %(subject)s") % {"subject": subject}, exported_at=now)
    _table(workbook, "评分明细", heading, columns, score_rows)
    return spreadsheets.save(workbook)


def ranking_file_names(lot) -> tuple[str, str]:
    """(name, ASCII fallback): 2025年第3类科创企业专利运营赋能项目评审排名.xlsx."""
    name = _("%(year)s category %(code)s %(name)s review ranking") % {
        "year": formats.year(lot.call.year), "code": lot.code, "name": lot.name,
    }  # fmt: skip
    return spreadsheets.file_name(name), f"ranking-{lot.call.year}-{lot.code}.xlsx"
