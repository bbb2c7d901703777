"""Excel out of the reporting app (openpyxl): the return template, a return, the dashboard.

The template is what cities fill in: Chinese headers, one row per data element, last period's
value for reference, an input column and a comment column. The sheet is protected so codes and
names stay as they are; only the input and comment cells are unlocked, and the input cells carry
number validation (whole or decimal, not below the element's lowest value).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal import spreadsheets
from portal.periods import Quarter
from portal.spreadsheets import local_time, safe
from reporting import layout
from reporting.models import DataElement, StatReturn

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
STATUS_FILLS = {
    "on_track": PatternFill("solid", fgColor="C6EFCE"),
    "at_risk": PatternFill("solid", fgColor="FFEB9C"),
    "behind": PatternFill("solid", fgColor="FFC7CE"),
    "no_data": PatternFill("solid", fgColor="EDEDED"),
}
STATUS_NAMES = {"on_track": "正常", "at_risk": "有风险", "behind": "滞后", "no_data": "无数据"}


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _save(workbook: Workbook) -> bytes:
    return spreadsheets.save(workbook)


def _header(sheet, row: int, headers: list[str], widths: list[int]) -> None:
    for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _validation(
    kind: Literal["whole", "decimal"],
    operator: Literal["greaterThanOrEqual", "between"],
    minimum: str,
    error: str,
    maximum: str | None = None,
) -> DataValidation:
    """Excel's own check on an input cell, with the message Excel shows when it fails."""
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=minimum,
        formula2=maximum,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="数值有误",
        error=error,
    )


def return_template(
    *,
    stat_return: StatReturn,
    elements: list[DataElement],
    previous: dict[str, Decimal],
    current: dict[str, tuple[Decimal | None, str]] | None = None,
) -> bytes:
    """The workbook a city fills in for one return (pre-filled with what is stored, if any)."""
    quarter = Quarter.parse(stat_return.period)
    workbook = Workbook()
    sheet = spreadsheets.first_sheet(workbook)
    sheet.title = layout.SHEET
    sheet.merge_cells("A1:G1")
    sheet["A1"] = f"{layout.TITLE}（{quarter.label}）"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"], sheet["B2"] = layout.REGION_LABEL, stat_return.region.code
    sheet["C2"], sheet["D2"] = layout.REGION_NAME_LABEL, stat_return.region.name
    sheet["A3"], sheet["B3"] = layout.PERIOD_LABEL, str(quarter)
    sheet["C3"] = layout.DUE_LABEL
    sheet["D3"] = quarter.due_date(stat_return.form.due_days).isoformat()
    for ref in ("A2", "A3", "C2", "C3"):
        sheet[ref].font = HEADER_FONT
    sheet["B2"].number_format = "@"
    header_row = 5
    _header(sheet, header_row, layout.HEADERS, layout.WIDTHS)
    current = current or {}
    whole = _validation("whole", "greaterThanOrEqual", "0", "请填写不小于0的整数。")
    decimal = _validation(
        "decimal", "greaterThanOrEqual", "0", "请填写不小于0的数字（金额以万元计）。"
    )
    free_decimal = _validation(
        "decimal", "between", "-1000000000000", "请填写数字。", maximum="1000000000000"
    )
    for validation in (whole, decimal, free_decimal):
        sheet.add_data_validation(validation)
    for index, element in enumerate(elements, start=1):
        row = header_row + index
        value, comment = current.get(element.code, (None, ""))
        cells = [
            index,
            element.code,
            element.name,
            element.unit,
            _number(previous.get(element.code)),
            _number(value),
            comment or None,
        ]
        for column, content in enumerate(cells, start=1):
            cell = sheet.cell(row=row, column=column, value=safe(content))
            cell.border = BORDER
            if column >= 6:
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
            else:
                cell.fill = LOCKED_FILL
        sheet.cell(row=row, column=6).number_format = "0" if element.is_integer else "#,##0.0000"
        sheet.cell(row=row, column=5).number_format = "0" if element.is_integer else "#,##0.0000"
        if element.is_integer:
            whole.add(f"F{row}")
        elif element.lower_bound is not None and element.lower_bound >= 0:
            decimal.add(f"F{row}")
        else:
            free_decimal.add(f"F{row}")
    notes_row = header_row + len(elements) + 2
    sheet.cell(
        row=notes_row,
        column=1,
        value="填报说明：只填写黄色单元格；金额以万元计；存量指标低于上季度须在备注栏说明原因。",
    )
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    return _save(workbook)


def return_workbook(*, stat_return: StatReturn, rows: list[dict]) -> bytes:
    """A return as read in the portal: every element with its value, comment and previous value."""
    workbook = Workbook()
    sheet = spreadsheets.first_sheet(workbook)
    sheet.title = layout.SHEET
    quarter = Quarter.parse(stat_return.period)
    sheet["A1"] = f"{stat_return.region.name} {quarter.label} {stat_return.form.name}"
    sheet["A1"].font = TITLE_FONT
    sheet["A2"] = f"版本 {stat_return.version} · {stat_return.get_status_display()}"
    headers = ["指标代码", "指标名称", "计量单位", "上期数值", "本期数值", "备注"]
    _header(sheet, 4, headers, [26, 36, 10, 16, 16, 40])
    for offset, row in enumerate(rows, start=5):
        for column, content in enumerate(
            [
                row["code"],
                row["name"],
                row["unit"],
                _number(row["previous"]),
                _number(row["value"]),
                row["comment"],
            ],
            start=1,
        ):
            sheet.cell(row=offset, column=column, value=safe(content)).border = BORDER
    sheet.freeze_panes = "A5"
    return _save(workbook)


def _fmt(value: Decimal | None):
    return None if value is None else float(value)


OTHER_SHEET = "其他指标"


def dashboard_workbook(dashboard, *, progress: Callable[[int], None] | None = None) -> bytes:
    """One sheet per indicator group (targets with status colours), then the region's other
    indicators, rankings and the completeness of returns."""
    report = progress or (lambda _percent: None)
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    headers = [
        "指标", "单位", "地区", "截止日期", "目标值", "基期值", "实际值", "完成率（%）",
        "进度预期值", "趋势预测值", "状态", "计算时间", "来源",
    ]  # fmt: skip
    widths = [30, 8, 12, 12, 12, 12, 12, 12, 12, 12, 10, 18, 60]
    groups = dashboard.groups
    steps = max(len(groups) + 2, 1)
    for step, (group, rows) in enumerate(groups.items(), start=1):
        sheet = workbook.create_sheet(group[:31])
        sheet["A1"] = f"{dashboard.region.name} · {group} · 截至 {dashboard.period or '—'}"
        sheet["A1"].font = TITLE_FONT
        _header(sheet, 3, headers, widths)
        for offset, row in enumerate(rows, start=4):
            target, snap = row.target, row.snapshot
            status = snap.status if snap else "no_data"
            baseline = (snap.explanation.get("baseline") if snap else None) or None
            values = [
                target.indicator.name,
                target.indicator.unit,
                target.region.name if target.region_id else "全国",
                target.deadline,
                _fmt(target.target_value),
                float(Decimal(baseline)) if baseline else None,
                _fmt(snap.actual) if snap else None,
                _fmt(snap.percent) if snap else None,
                _fmt(snap.expected) if snap else None,
                _fmt(snap.projection) if snap else None,
                STATUS_NAMES[status],
                local_time(snap.computed_at) if snap else None,
                target.source,
            ]
            for column, content in enumerate(values, start=1):
                cell = sheet.cell(row=offset, column=column, value=safe(content))
                cell.border = BORDER
            sheet.cell(row=offset, column=11).fill = STATUS_FILLS[status]
            sheet.cell(row=offset, column=4).number_format = "yyyy-mm-dd"
            sheet.cell(row=offset, column=12).number_format = "yyyy-mm-dd hh:mm"
            for column in (5, 6, 7, 8, 9, 10):
                sheet.cell(row=offset, column=column).number_format = "#,##0.00"
        sheet.freeze_panes = "A4"
        report(int(step / steps * 100))
    if dashboard.untargeted:
        # The region's own figures without a target (the dashboard's "other indicators"): the
        # amounts and counts recorded in the portal, such as licences, approvals and payments.
        sheet = workbook.create_sheet(OTHER_SHEET)
        sheet["A1"] = f"{dashboard.region.name} · 其他指标 · 截至 {dashboard.period}"
        sheet["A1"].font = TITLE_FONT
        _header(sheet, 3, ["指标代码", "指标", "单位", "地区", "期间", "数值", "计算时间"],
                [26, 36, 8, 12, 10, 16, 18])  # fmt: skip
        for offset, value in enumerate(dashboard.untargeted, start=4):
            values = [
                value.indicator.code,
                value.indicator.name,
                value.indicator.unit,
                dashboard.region.name,
                value.period,
                _fmt(value.value),
                local_time(value.computed_at),
            ]
            for column, content in enumerate(values, start=1):
                sheet.cell(row=offset, column=column, value=safe(content)).border = BORDER
            sheet.cell(row=offset, column=6).number_format = "#,##0.00##"
            sheet.cell(row=offset, column=7).number_format = "yyyy-mm-dd hh:mm"
    if dashboard.ranking:
        sheet = workbook.create_sheet("地区排名")
        sheet["A1"] = f"{dashboard.region.name} 下辖地区排名 · {dashboard.period}"
        sheet["A1"].font = TITLE_FONT
        _header(sheet, 3, ["指标", "单位", "名次", "地区", "数值"], [30, 8, 6, 14, 14])
        row = 4
        for indicator, values in dashboard.ranking:
            for place, value in enumerate(values, start=1):
                for column, content in enumerate(
                    [indicator.name, indicator.unit, place, value.region.name, _fmt(value.value)],
                    start=1,
                ):
                    sheet.cell(row=row, column=column, value=safe(content)).border = BORDER
                row += 1
    report(int((steps - 1) / steps * 100))
    for completeness in dashboard.completeness:
        sheet = workbook.create_sheet("报送情况")
        sheet["A1"] = f"{completeness.form.name} · {completeness.period} · 截止 {completeness.due}"
        sheet["A1"].font = TITLE_FONT
        _header(sheet, 3, ["地区", "状态", "报送时间", "是否按时"], [14, 14, 20, 10])
        for offset, row in enumerate(completeness.rows, start=4):
            submitted = row.stat_return.submitted_at if row.stat_return else None
            values = [
                row.region.name,
                {"missing": "未报送"}.get(row.state)
                or (row.stat_return.get_status_display() if row.stat_return else row.state),
                local_time(submitted) if submitted else None,
                None if row.on_time is None else ("按时" if row.on_time else "逾期"),
            ]
            for column, content in enumerate(values, start=1):
                sheet.cell(row=offset, column=column, value=safe(content)).border = BORDER
        break
    if not workbook.worksheets:
        workbook.create_sheet("说明")["A1"] = "暂无目标数据"
    return _save(workbook)
