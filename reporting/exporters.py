"""Excel out of the reporting app (openpyxl): the return template, a return, the dashboard.

The template is what cities fill in: a statistical form with its title block (表名; 填报单位,
地区代码, 报告期 and the due date in the header line), one row per data element, last period's
value for reference, an input column and a comment column, the filling notes and the signature
line. The sheet is protected so names stay as they are; only the input and comment cells (and
the signature line) are unlocked, and the input cells carry number validation (whole or decimal,
not below the element's lowest value). The exported return has the same layout with the values
in, so it can be filled again and uploaded (reporting/importers.py reads both).

The element codes the importer needs are in the hidden column 指标代码; people read the names.
The labels the importer looks for (reporting/layout.py) are Chinese in every language.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal import formats, spreadsheets
from portal.periods import Quarter
from portal.spreadsheets import (
    BORDER,
    COUNT_FORMAT,
    FIGURE_FORMAT,
    MONEY_FORMAT,
    Column,
    Heading,
    Styled,
    local_time,
    merge,
    write_row,
)
from reporting import layout
from reporting.models import DataElement, ProgressSnapshot, StatReturn

HEADER_FILL = spreadsheets.HEADER_FILL
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FONT = spreadsheets.BOLD
TITLE_FONT = spreadsheets.TITLE_FONT
STATUS_FILLS = {
    "on_track": PatternFill("solid", fgColor="C6EFCE"),
    "at_risk": PatternFill("solid", fgColor="FFEB9C"),
    "behind": PatternFill("solid", fgColor="FFC7CE"),
    "no_data": PatternFill("solid", fgColor="EDEDED"),
}
# Units counted in whole numbers: their figures print without decimals.
COUNTED = {"件", "家", "个", "人次", "场", "项", "所", "次"}
PERCENT_COLUMN = "0.0"


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def _save(workbook: Workbook) -> bytes:
    return spreadsheets.save(workbook)


def _figure_format(unit: str, *, integer: bool = False, places: str = FIGURE_FORMAT) -> str:
    """Counts as whole numbers; other figures to two decimals, or up to four where a return's
    figure was typed so (万元 to the yuan)."""
    return COUNT_FORMAT if integer or unit in COUNTED else places


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


# The return: its template and its export -------------------------------------------------------

RETURN_COLUMNS = [
    Column(header, width, hidden=header == layout.COL_CODE)
    for header, width in zip(layout.HEADERS, layout.WIDTHS, strict=True)
]
WIDTH = len(layout.HEADERS)
HEADER_ROW = 4  # title; 填报单位, 地区代码, 报告期; 导出时间, 版本, 报送截止; the table's header
NOTES = "填报说明：只填写黄色单元格；金额以万元计；存量指标低于上季度须在备注栏说明原因。"


def _label(text: str) -> Styled:
    return Styled(f"{text}：", font=HEADER_FONT, alignment=spreadsheets.RIGHT)


def _return_heading(sheet, stat_return: StatReturn, *, exported_at: datetime | None = None) -> None:
    """Rows 1-3: the form's name; who reports (with the region code the importer reads) and the
    period (read too: 2025年第二季度, Q2 2025 in English); when it was exported, which version,
    and the due date."""
    quarter = Quarter.parse(stat_return.period)
    filled_by = f"{_('Reporting unit')}{formats.colon()}{stat_return.region.name}"
    write_row(
        sheet, 1, [Styled(stat_return.form.name, font=TITLE_FONT, alignment=spreadsheets.CENTRED)]
    )
    merge(sheet, 1, 1, WIDTH)
    sheet.row_dimensions[1].height = 30
    write_row(
        sheet,
        2,
        [
            Styled(filled_by, alignment=spreadsheets.LEFT),
            None,
            None,
            _label(layout.REGION_LABEL),
            Styled(stat_return.region.code, number_format="@", alignment=spreadsheets.LEFT),
            _label(layout.PERIOD_LABEL),
            Styled(formats.period(quarter), alignment=spreadsheets.LEFT),
        ],
    )
    merge(sheet, 2, 1, 3)
    exported = (
        f"{_('Exported at')}{formats.colon()}{formats.moment(exported_at)}" if exported_at else None
    )
    version = (
        _("Version %(version)s (%(status)s)")
        % {"version": stat_return.version, "status": stat_return.get_status_display()}
        if exported_at
        else None
    )
    write_row(
        sheet,
        3,
        [
            Styled(exported, alignment=spreadsheets.LEFT),
            None,
            None,
            Styled(version, alignment=spreadsheets.LEFT),
            None,
            _label(layout.DUE_LABEL),
            Styled(
                quarter.due_date(stat_return.form.due_days),
                number_format=spreadsheets.date_format(),
                alignment=spreadsheets.LEFT,
            ),
        ],
    )
    merge(sheet, 3, 1, 3)
    merge(sheet, 3, 4, 5)


def _return_sheet(
    workbook: Workbook,
    *,
    stat_return: StatReturn,
    elements: list[DataElement],
    previous: dict[str, Decimal],
    current: dict[str, tuple[Decimal | None, str]],
    exported_at: datetime | None = None,
):
    """The return's sheet: the template (exported_at None: input cells coloured, validated and
    unlocked) or the export (the values as stored, when exported)."""
    template = exported_at is None
    sheet = spreadsheets.first_sheet(workbook)
    sheet.title = layout.SHEET
    for index, column in enumerate(RETURN_COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    spreadsheets.print_setup(sheet, header=HEADER_ROW, wide=spreadsheets.landscape(RETURN_COLUMNS))
    _return_heading(sheet, stat_return, exported_at=exported_at)
    write_row(sheet, HEADER_ROW, spreadsheets.header_cells(RETURN_COLUMNS))
    sheet.row_dimensions[HEADER_ROW].height = 32
    whole = _validation("whole", "greaterThanOrEqual", "0", "请填写不小于0的整数。")
    decimal = _validation(
        "decimal", "greaterThanOrEqual", "0", "请填写不小于0的数字（金额以万元计）。"
    )
    free_decimal = _validation(
        "decimal", "between", "-1000000000000", "请填写数字。", maximum="1000000000000"
    )
    if template:
        for validation in (whole, decimal, free_decimal):
            sheet.add_data_validation(validation)
    value_column = layout.HEADERS.index(layout.COL_VALUE) + 1
    for index, element in enumerate(elements, start=1):
        row = HEADER_ROW + index
        value, comment = current.get(element.code, (None, ""))
        figure = _figure_format(element.unit, integer=element.is_integer)
        cells = [
            index,
            element.code,
            element.name,
            element.unit,
            _number(previous.get(element.code)),
            _number(value),
            comment or None,
        ]
        styled = []
        for number, content in enumerate(cells, start=1):
            is_input = number >= value_column
            styled.append(
                Styled(
                    content,
                    border=BORDER,
                    fill=(INPUT_FILL if is_input else LOCKED_FILL) if template else None,
                    number_format=figure if number in (5, 6) else None,
                    alignment=Alignment(horizontal="center") if number in (1, 4) else None,
                    unlocked=template and is_input,
                )
            )
        write_row(sheet, row, styled)
        if template:
            input_cell = f"{get_column_letter(value_column)}{row}"
            if element.is_integer:
                whole.add(input_cell)
            elif element.lower_bound is not None and element.lower_bound >= 0:
                decimal.add(input_cell)
            else:
                free_decimal.add(input_cell)
    row = HEADER_ROW + len(elements) + 2
    if template:
        write_row(sheet, row, [Styled(NOTES, alignment=spreadsheets.LEFT)])
        merge(sheet, row, 1, WIDTH)
        row += 2
    spreadsheets.signature(sheet, row, WIDTH)
    if template:
        sheet.protection.sheet = True
        sheet.protection.formatColumns = False
        sheet.protection.formatRows = False
        sheet.cell(row=row, column=1).protection = Protection(locked=False)
    return sheet


def return_template(
    *,
    stat_return: StatReturn,
    elements: list[DataElement],
    previous: dict[str, Decimal],
    current: dict[str, tuple[Decimal | None, str]] | None = None,
) -> bytes:
    """The workbook a city fills in for one return (pre-filled with what is stored, if any)."""
    workbook = Workbook()
    _return_sheet(
        workbook,
        stat_return=stat_return,
        elements=elements,
        previous=previous,
        current=current or {},
    )
    return _save(workbook)


def return_workbook(
    *,
    stat_return: StatReturn,
    elements: list[DataElement],
    previous: dict[str, Decimal],
    current: dict[str, tuple[Decimal | None, str]],
) -> bytes:
    """A return as stored, in the template's layout (its headers, its hidden codes): it can be
    corrected and uploaded again."""
    workbook = Workbook()
    _return_sheet(
        workbook,
        stat_return=stat_return,
        elements=elements,
        previous=previous,
        current=current,
        exported_at=timezone.now(),
    )
    return _save(workbook)


def return_file_names(stat_return: StatReturn, *, template: bool) -> tuple[str, str]:
    """(name, ASCII fallback) of a return's template or export: 2025年第二季度专利转化运用季度统计表
    填报模板-安康市.xlsx."""
    names = {
        "period": formats.period(stat_return.period),
        "form": stat_return.form.name,
        "region": stat_return.region.name,
        "version": stat_return.version,
    }
    region, period = stat_return.region.code, stat_return.period
    if template:
        return (
            spreadsheets.file_name(_("%(period)s %(form)s template-%(region)s") % names),
            f"template-{region}-{period}.xlsx",
        )
    return (
        spreadsheets.file_name(_("%(period)s %(form)s-%(region)s-version %(version)s") % names),
        f"return-{region}-{period}-v{stat_return.version}.xlsx",
    )


# The dashboard ---------------------------------------------------------------------------------

OTHER_SHEET = "其他指标"
TARGET_COLUMNS = [
    Column("指标", 30),
    Column("单位", 8),
    Column("地区", 12),
    Column("截止日期", 16),
    Column("目标值", 12),
    Column("基期值", 12),
    Column("实际值", 12),
    Column("完成率（%）", 10, PERCENT_COLUMN),
    Column("进度预期值", 12),
    Column("趋势预测值", 12),
    Column("状态", 10),
    Column("计算时间", 22),
    Column("来源", 40),
]


def _dashboard_heading(dashboard, title: str, *, unit: str = "") -> Heading:
    return Heading(
        title=title,
        filled_by=dashboard.region.name,
        period=formats.period(dashboard.period) if dashboard.period else "",
        unit=unit,
        exported_at=timezone.now(),
    )


def _date(value: date | None) -> Styled:
    return Styled(value, border=BORDER, number_format=spreadsheets.date_format())


def _moment(value: datetime | None) -> Styled:
    return Styled(local_time(value), border=BORDER, number_format=spreadsheets.moment_format())


def dashboard_workbook(dashboard, *, progress: Callable[[int], None] | None = None) -> bytes:
    """One sheet per indicator group (targets with status colours), then the region's other
    indicators, rankings and the completeness of returns: each a table with its title block."""
    report = progress or (lambda _percent: None)
    workbook = Workbook()
    workbook.remove(spreadsheets.first_sheet(workbook))
    groups = dashboard.groups
    steps = max(len(groups) + 2, 1)
    for step, (group, rows) in enumerate(groups.items(), start=1):
        sheet = workbook.create_sheet(group[:31])
        heading = _dashboard_heading(
            dashboard, _("%(region)s: %(group)s targets") % {
                "region": dashboard.region.name, "group": group,
            },
        )  # fmt: skip
        row = spreadsheets.start_table(sheet, heading=heading, columns=TARGET_COLUMNS)
        for target_row in rows:
            row += 1
            target, snap = target_row.target, target_row.snapshot
            status = snap.status if snap else "no_data"
            baseline = (snap.explanation.get("baseline") if snap else None) or None
            figure = _figure_format(target.indicator.unit, places=MONEY_FORMAT)
            values = [
                target.indicator.name,
                target.indicator.unit,
                target.region.name if target.region_id else _("China"),
            ]
            figures = [
                target.target_value,
                Decimal(baseline) if baseline else None,
                snap.actual if snap else None,
            ]
            cells = [
                *(Styled(value, border=BORDER) for value in values),
                _date(target.deadline),
                *(Styled(value, border=BORDER, number_format=figure) for value in figures),
                Styled(snap.percent if snap else None, border=BORDER, number_format=PERCENT_COLUMN),
                Styled(snap.expected if snap else None, border=BORDER, number_format=figure),
                Styled(snap.projection if snap else None, border=BORDER, number_format=figure),
                Styled(
                    formats.label(ProgressSnapshot.Status, status),
                    border=BORDER,
                    fill=STATUS_FILLS[status],
                ),
                _moment(snap.computed_at if snap else None),
                Styled(target.source, border=BORDER, alignment=spreadsheets.WRAPPED),
            ]  # fmt: skip
            write_row(sheet, row, cells)
        report(int(step / steps * 100))
    if dashboard.untargeted:
        # The region's own figures without a target (the dashboard's "other indicators"): the
        # amounts and counts recorded in the portal, such as licences, approvals and payments.
        sheet = workbook.create_sheet(OTHER_SHEET)
        columns = [Column("指标", 36), Column("单位", 8), Column("地区", 12),
                   Column("期间", 16), Column("数值", 16), Column("计算时间", 22)]  # fmt: skip
        heading = _dashboard_heading(
            dashboard, _("%(region)s: other indicators") % {"region": dashboard.region.name}
        )
        row = spreadsheets.start_table(sheet, heading=heading, columns=columns)
        for value in dashboard.untargeted:
            row += 1
            write_row(
                sheet,
                row,
                [
                    *(
                        Styled(text, border=BORDER)
                        for text in (
                            value.indicator.name,
                            value.indicator.unit,
                            dashboard.region.name,
                            formats.period(value.period),
                        )
                    ),
                    Styled(
                        value.value,
                        border=BORDER,
                        number_format=_figure_format(value.indicator.unit, places=MONEY_FORMAT),
                    ),
                    _moment(value.computed_at),
                ],
            )
    if dashboard.ranking:
        sheet = workbook.create_sheet("地区排名")
        columns = [Column("指标", 30), Column("单位", 8), Column("名次", 6), Column("地区", 14),
                   Column("数值", 14)]  # fmt: skip
        heading = _dashboard_heading(
            dashboard, _("%(region)s: ranking of the regions under it")
            % {"region": dashboard.region.name},
        )  # fmt: skip
        row = spreadsheets.start_table(sheet, heading=heading, columns=columns)
        for indicator, values in dashboard.ranking:
            for place, value in enumerate(values, start=1):
                row += 1
                figure = _figure_format(indicator.unit, places=MONEY_FORMAT)
                write_row(
                    sheet,
                    row,
                    [
                        Styled(indicator.name, border=BORDER),
                        Styled(indicator.unit, border=BORDER),
                        Styled(place, border=BORDER, number_format=COUNT_FORMAT),
                        Styled(value.region.name, border=BORDER),
                        Styled(value.value, border=BORDER, number_format=figure),
                    ],
                )
    report(int((steps - 1) / steps * 100))
    for completeness in dashboard.completeness:
        sheet = workbook.create_sheet("报送情况")
        columns = [Column("地区", 14), Column("状态", 14), Column("报送时间", 22),
                   Column("是否按时", 10)]  # fmt: skip
        heading = Heading(
            title=_("Returns of %(form)s") % {"form": completeness.form.name},
            filled_by=dashboard.region.name,
            period=formats.period(completeness.period),
            extra=((_("Due"), formats.day(completeness.due)),),
            exported_at=timezone.now(),
        )
        row = spreadsheets.start_table(sheet, heading=heading, columns=columns)
        for line in completeness.rows:
            row += 1
            submitted = line.stat_return.submitted_at if line.stat_return else None
            state = (
                _("Not reported")
                if line.state == "missing" or line.stat_return is None
                else line.stat_return.get_status_display()
            )
            on_time = (
                None if line.on_time is None else (_("On time") if line.on_time else _("Late"))
            )
            write_row(
                sheet,
                row,
                [
                    Styled(line.region.name, border=BORDER),
                    Styled(state, border=BORDER),
                    _moment(submitted),
                    Styled(on_time, border=BORDER),
                ],
            )
        break
    if not workbook.worksheets:
        spreadsheets.notes_sheet(workbook, _("Notes"), [_("No targets yet.")])
    return _save(workbook)


def dashboard_file_names(region, period: str | None) -> tuple[str, str]:
    """(name, ASCII fallback) of a dashboard export: 安康市目标进展-2025年第二季度.xlsx."""
    name = _("%(region)s targets and progress") % {"region": region.name}
    return (
        spreadsheets.file_name(name, formats.period(period) if period else ""),
        f"dashboard-{region.code}-{period or 'latest'}.xlsx",
    )
