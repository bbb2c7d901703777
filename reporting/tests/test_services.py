"""Returns through the services: template round trip, every kind of bad cell, dry run, all or
nothing, validation rules, submission, approval lock, corrections in versions, permissions."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal import formats
from portal.models import AuditEntry, Notification, Region
from portal.tests.helpers import with_formulas
from reporting import services
from reporting.factories import PERIOD
from reporting.models import DataValueHistory, ReturnUpload, StatReturn
from reporting.tests.helpers import store_all, stored, template_for, upload
from reporting.tests.workbooks import all_figures, cell_of, fill

pytestmark = pytest.mark.django_db

S = StatReturn.Status


# Template and round trip ---------------------------------------------------------------------


def test_template_round_trip_stores_exactly_what_was_typed(ankang, ret):
    template = template_for(ret)
    figures = all_figures(ret.form)
    result = upload(ankang, ret, fill(template, figures))

    assert result.problems == []
    assert result.created == len(figures) and result.changed == 0
    assert stored(ret) == {}  # the dry run stored nothing
    assert ReturnUpload.objects.filter(stat_return=ret, applied_at__isnull=True).count() == 1

    services.return_upload_apply(actor=ankang, upload=result.upload)
    values = stored(ret)
    assert values["VALID_INVENTION"] == Decimal(352)
    assert values["CONTRACT_AMOUNT"] == Decimal("1250.75")
    assert len(values) == len(figures)
    result.upload.refresh_from_db()
    assert result.upload.applied_at is not None
    # The original file is kept with the return, byte for byte.
    with result.upload.file.open("rb") as handle:
        assert handle.read()[:2] == b"PK"
    assert DataValueHistory.objects.filter(stat_return=ret).count() == len(figures)
    assert AuditEntry.objects.filter(event="reporting.values.store").count() == 1


def test_template_locks_codes_and_validates_input_cells(ankang, ret):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template_for(ret)))
    sheet = workbook["季度统计"]
    assert sheet.protection.sheet is True
    code_cell = cell_of(template_for(ret), "VALID_INVENTION", "指标代码")
    value_cell = cell_of(template_for(ret), "VALID_INVENTION")
    assert sheet[code_cell].protection.locked is True
    assert sheet[value_cell].protection.locked is False
    validated = {
        str(rng) for dv in sheet.data_validations.dataValidation for rng in dv.sqref.ranges
    }
    assert value_cell in validated
    assert [c.value for c in sheet[4]] == ["序号", "指标代码", "指标名称", "计量单位",
                                           "上期数值（参考）", "本期数值", "备注"]  # fmt: skip
    assert sheet.column_dimensions["B"].hidden  # the codes are for the importer, not for people
    assert sheet["E2"].value == "610900" and sheet["G2"].value == formats.period(PERIOD)


def test_template_shows_last_period_for_reference(ankang, form, ret):
    previous = services.return_open(actor=ankang, form=form, region=ret.region, period="2025Q1")
    store_all(ankang, previous, VALID_INVENTION=340)
    template = template_for(ret)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(template))["季度统计"]
    ref = cell_of(template, "VALID_INVENTION", "上期数值（参考）")
    assert sheet[ref].value == 340


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1,234", Decimal(1234)),
        ("１２３", Decimal(123)),
        ("  45 ", Decimal(45)),
        ("4,000", Decimal(4000)),
        (57.0, Decimal(57)),
    ],
)
def test_numbers_typed_as_text_are_read(ankang, ret, typed, expected):
    template = template_for(ret)
    result = upload(ankang, ret, fill(template, {"TRAININGS": typed}))
    assert [p for p in result.problems if p.code == "TRAININGS"] == []
    services.return_upload_apply(actor=ankang, upload=result.upload)
    assert stored(ret)["TRAININGS"] == expected


def test_every_bad_cell_is_reported_at_once_with_its_cell(ankang, ret):
    template = template_for(ret)
    figures = all_figures(
        ret.form,
        TRAININGS="abc",  # not a number
        TRANSFER_COUNT=-3,  # negative
        NAVIGATION_PROJECTS="1,23",  # ambiguous separator
        OPEN_LICENCE_DEALS="2.5",  # not whole
        HIGH_VALUE_INVENTION=400,  # rule: more than the valid invention patents (352)
    )
    last = 5 + len(figures)  # the row under the table (header in row 4)
    content = fill(template, figures, rows={f"B{last}": "NO_SUCH_CODE", f"F{last}": 5})
    result = upload(ankang, ret, content)

    by_cell = {p.cell: p for p in result.problems}
    assert by_cell[cell_of(template, "TRAININGS")].message.endswith("is not a number.")
    assert "negative" in by_cell[cell_of(template, "TRANSFER_COUNT")].message
    assert "ambiguous" in by_cell[cell_of(template, "NAVIGATION_PROJECTS")].message
    assert "whole number" in by_cell[cell_of(template, "OPEN_LICENCE_DEALS")].message
    assert "不能大于有效发明专利" in by_cell[cell_of(template, "HIGH_VALUE_INVENTION")].message
    assert "not a known indicator code" in by_cell[f"B{last}"].message
    assert all(p.sheet == "季度统计" for p in result.problems)
    assert not result.can_store
    with pytest.raises(ValidationError) as raised:
        services.return_upload_apply(actor=ankang, upload=result.upload)
    assert len(raised.value.problems) == len([p for p in result.problems if p.is_blocking])
    assert stored(ret) == {}


def test_duplicate_code_and_formula_without_value(ankang, ret):
    template = template_for(ret)
    valid_row = int(cell_of(template, "VALID_INVENTION")[1:])
    trainings = cell_of(template, "TRAININGS")
    content = fill(
        template,
        all_figures(ret.form),
        rows={f"B{valid_row + 1}": "VALID_INVENTION", trainings: "=1+1"},
    )
    result = upload(ankang, ret, content)
    messages = {p.cell: p.message for p in result.problems}
    assert "appears twice" in messages[f"B{valid_row + 1}"]
    assert "formula with no computed value" in messages[trainings]


def test_a_formula_with_a_computed_value_is_read_with_a_warning_at_its_cell(ankang, ret):
    """The rule of every import (portal.spreadsheets.formula_problem): the value Excel computed
    is read, and the cell is flagged so the city checks it."""
    template = template_for(ret)
    trainings = cell_of(template, "TRAININGS")
    content = with_formulas(
        fill(template, all_figures(ret.form), rows={trainings: "=2+3"}), {trainings: "5"}
    )
    result = upload(ankang, ret, content)
    flagged = [p for p in result.problems if p.cell == trainings]
    assert [p.importance for p in flagged] == ["warning"]
    assert "2+3" in flagged[0].message and "5" in flagged[0].message
    assert result.can_store
    assert {c.code: c.after for c in result.changes}["TRAININGS"] == Decimal(5)


def test_a_failing_import_leaves_earlier_data_untouched(ankang, ret):
    store_all(ankang, ret)
    before = stored(ret)
    template = template_for(ret)
    bad = fill(template, all_figures(ret.form, VALID_INVENTION=999, TRAININGS="x"))
    result = upload(ankang, ret, bad)
    with pytest.raises(ValidationError):
        services.return_upload_apply(actor=ankang, upload=result.upload)
    assert stored(ret) == before


def test_changes_are_listed_before_storing_and_history_keeps_the_old_value(ankang, ret):
    store_all(ankang, ret)
    template = template_for(ret)
    result = upload(ankang, ret, fill(template, all_figures(ret.form, VALID_INVENTION=360)))
    assert [(c.code, c.before, c.after) for c in result.changes] == [
        ("VALID_INVENTION", Decimal(352), Decimal(360))
    ]
    assert result.unchanged == len(all_figures(ret.form)) - 1
    services.return_upload_apply(actor=ankang, upload=result.upload)
    last = DataValueHistory.objects.filter(element__code="VALID_INVENTION").first()
    assert (last.previous_value, last.value, last.changed_by) == (
        Decimal(352),
        Decimal(360),
        ankang,
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 not a workbook", "return.xlsx", "not an Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "return.xls", "old .xls workbook"),
        (b"PK\x03\x04 broken", "return.xlsx", "damaged"),
        (b"", "return.xlsx", "is empty"),
    ],
)
def test_files_that_are_not_workbooks_are_refused_clearly(ankang, ret, content, name, message):
    with pytest.raises(ValidationError) as raised:
        upload(ankang, ret, content, name)
    assert message in raised.value.messages[0]
    assert ReturnUpload.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_and_a_file_too_large(ankang, ret, settings):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ValidationError, match=r"not an Excel \.xlsx workbook"):
        upload(ankang, ret, archive.getvalue())
    settings.REPORTING_UPLOAD_MAX_MB = 1
    big = fill(template_for(ret), {}) + b"\0" * (1024 * 1024)
    with pytest.raises(ValidationError, match="the limit is 1 MB"):
        upload(ankang, ret, big)


def test_a_workbook_for_another_region_or_period_is_refused(ankang, ret):
    template = template_for(ret)
    content = fill(template, all_figures(ret.form), rows={"E2": "610100", "G2": "2025年第一季度"})
    result = upload(ankang, ret, content)
    messages = " ".join(p.message for p in result.problems)
    assert "for region 610100" in messages and "for Q1 2025, not Q2 2025" in messages
    assert not result.can_store


def test_a_workbook_resaved_with_a_row_inserted_above_the_table_still_reads(ankang, ret):
    from openpyxl import load_workbook

    content = fill(template_for(ret), all_figures(ret.form))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["季度统计"]
    sheet.protection.sheet = False
    sheet.insert_rows(4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = upload(ankang, ret, buffer.getvalue())
    assert result.problems == [] and result.created == len(all_figures(ret.form))


# Validation rules ----------------------------------------------------------------------------


def entries(**values):
    from reporting.validation import Entry

    return {
        code: Entry(code=code, value=None if v is None else Decimal(str(v)), cell=code)
        for code, v in values.items()
    }


def test_rule_high_value_not_above_valid(ankang, ret):
    ok = services.check(
        stat_return=ret, entries=entries(VALID_INVENTION=10, HIGH_VALUE_INVENTION=10)
    )
    bad = services.check(
        stat_return=ret, entries=entries(VALID_INVENTION=10, HIGH_VALUE_INVENTION=11)
    )
    assert ok.can_store
    assert [p.code for p in bad.problems] == ["HIGH_VALUE_INVENTION"]
    assert "10" in bad.problems[0].message and "11" in bad.problems[0].message


def test_rule_stock_falling_needs_a_comment(ankang, form, ret):
    previous = services.return_open(actor=ankang, form=form, region=ret.region, period="2025Q1")
    store_all(ankang, previous, VALID_TRADEMARK=29_000)
    from reporting.validation import Entry

    fell = {"VALID_TRADEMARK": Entry("VALID_TRADEMARK", Decimal(28_900), cell="F9")}
    explained = {"VALID_TRADEMARK": Entry("VALID_TRADEMARK", Decimal(28_900), "注销到期商标", "F9")}
    problems = services.check(stat_return=ret, entries=fell).problems
    assert [(p.code, p.cell) for p in problems] == [("VALID_TRADEMARK", "F9")]
    assert "备注" in problems[0].message
    assert services.check(stat_return=ret, entries=explained).problems == []


def test_a_broken_rule_is_told_in_element_names_not_in_its_formula(ankang, form, ret):
    """The city reads what the rule requires in the names it knows (issue 18): never
    prev(VALID_TRADEMARK), and figures written with separators."""
    from django.utils import translation

    from reporting.validation import Entry

    previous = services.return_open(actor=ankang, form=form, region=ret.region, period="2025Q1")
    store_all(ankang, previous, VALID_TRADEMARK=29_000)
    fell = {"VALID_TRADEMARK": Entry("VALID_TRADEMARK", Decimal(28_900), cell="F9")}
    (problem,) = services.check(stat_return=ret, entries=fell).problems
    assert "VALID_TRADEMARK" not in problem.message and "prev(" not in problem.message
    assert "“有效商标持有量” ≥ “有效商标持有量” of the previous quarter" in problem.message
    assert "28,900 and 29,000" in problem.message
    with translation.override("zh-hans"):
        (problem,) = services.check(stat_return=ret, entries=fell).problems
    assert "有效商标持有量 ≥ 上季度有效商标持有量" in problem.message
    assert problem.message.startswith("有效商标持有量：")


def test_a_figure_checked_at_submission_is_placed_by_its_name_not_its_code(ankang, ret):
    from reporting.selectors import stored_entries

    with pytest.raises(ValidationError) as raised:
        services.return_submit(actor=ankang, stat_return=ret)  # nothing entered yet
    cells = {p.cell for p in raised.value.problems}
    assert "有效发明专利拥有量" in cells and "VALID_INVENTION" not in cells
    store_all(ankang, ret)
    assert stored_entries(ret)["VALID_INVENTION"].cell == "有效发明专利拥有量"


def test_rule_amounts_not_negative(ankang, ret):
    result = services.check(stat_return=ret, entries=entries(CONTRACT_AMOUNT=-1))
    assert {p.code for p in result.problems} == {"CONTRACT_AMOUNT"}
    assert not result.can_store


def test_rule_pledge_amount_needs_a_pledge_count(ankang, ret):
    bad = services.check(stat_return=ret, entries=entries(PLEDGE_AMOUNT=100, PLEDGE_COUNT=0))
    none = services.check(stat_return=ret, entries=entries(PLEDGE_AMOUNT=0, PLEDGE_COUNT=0))
    ok = services.check(stat_return=ret, entries=entries(PLEDGE_AMOUNT=100, PLEDGE_COUNT=1))
    assert [p.code for p in bad.problems] == ["PLEDGE_COUNT"]
    assert none.problems == [] and ok.problems == []


def test_a_warning_rule_does_not_block(ankang, ret):
    result = services.check(
        stat_return=ret, entries=entries(INVENTORIED=200, UNCONVERTED_VALID=100)
    )
    assert [p.importance for p in result.problems] == ["warning"]
    assert result.can_store


# Life cycle ----------------------------------------------------------------------------------


def test_submit_needs_every_figure(ankang, ret):
    services.return_values_store(actor=ankang, stat_return=ret, entries=entries(TRAININGS=3))
    with pytest.raises(ValidationError) as raised:
        services.return_submit(actor=ankang, stat_return=ret)
    assert len(raised.value.problems) == ret.form.elements.count() - 1
    ret.refresh_from_db()
    assert ret.status == S.DRAFT


def test_submit_approve_lock_and_notify(ankang, reviewer, ret):
    store_all(ankang, ret)
    services.return_submit(actor=ankang, stat_return=ret)
    assert Notification.objects.filter(recipient=reviewer, event="reporting.return.submit").exists()
    with pytest.raises(ValidationError, match="locked"):
        services.return_values_store(actor=ankang, stat_return=ret, entries=entries(TRAININGS=1))
    with pytest.raises(PermissionDenied):
        services.return_approve(actor=ankang, stat_return=ret)
    services.return_approve(actor=reviewer, stat_return=ret)
    ret.refresh_from_db()
    assert ret.status == S.APPROVED
    assert ret.snapshot["VALID_INVENTION"]["value"] == "352"
    assert Notification.objects.filter(recipient=ankang, event="reporting.return.approve").exists()
    with pytest.raises(ValidationError, match="locked"):
        store_all(ankang, ret)
    events = list(
        AuditEntry.objects.filter(event__startswith="reporting.return.").values_list(
            "event", flat=True
        )
    )
    assert {"reporting.return.open", "reporting.return.submit", "reporting.return.approve"} <= set(
        events
    )


def test_send_back_needs_a_reason_and_reopens_editing(ankang, reviewer, ret):
    store_all(ankang, ret)
    services.return_submit(actor=ankang, stat_return=ret)
    with pytest.raises(ValidationError, match="reason"):
        services.return_send_back(actor=reviewer, stat_return=ret, reason=" ")
    services.return_send_back(actor=reviewer, stat_return=ret, reason="商标数请与市场监管局核对")
    ret.refresh_from_db()
    assert ret.status == S.RETURNED and ret.reason == "商标数请与市场监管局核对"
    services.return_values_store(actor=ankang, stat_return=ret, entries=entries(TRAININGS=6))
    services.return_submit(actor=ankang, stat_return=ret)


def test_correction_after_approval_is_a_new_version_and_the_old_one_stays_readable(
    ankang, reviewer, ret
):
    store_all(ankang, ret)
    services.return_submit(actor=ankang, stat_return=ret)
    services.return_approve(actor=reviewer, stat_return=ret)
    with pytest.raises(ValidationError, match="why"):
        services.return_correct(actor=ankang, stat_return=ret, reason="")
    v2 = services.return_correct(actor=ankang, stat_return=ret, reason="发明专利数据口径更正")
    ret.refresh_from_db()
    assert (ret.version, ret.is_current, ret.status) == (1, False, S.APPROVED)
    assert (v2.version, v2.is_current, v2.status) == (2, True, S.DRAFT)
    store_all(ankang, v2, VALID_INVENTION=355)
    assert stored(v2)["VALID_INVENTION"] == Decimal(355)
    assert ret.snapshot["VALID_INVENTION"]["value"] == "352"  # version 1 as approved
    # Version 1 is no longer current: it cannot be corrected or approved again.
    with pytest.raises(ValidationError):
        services.return_correct(actor=ankang, stat_return=ret, reason="again")


def test_periods_not_ended_and_regions_not_reporting_are_refused(ankang, form):
    with pytest.raises(ValidationError, match="has not ended"):
        services.return_open(
            actor=ankang, form=form, region=Region.objects.get(code="610900"), period="2999Q1"
        )
    county = Region.objects.get(code="610921")
    assert services.return_open(actor=ankang, form=form, region=county, period=PERIOD).pk


def test_a_city_cannot_open_or_write_another_citys_return(ankang, xian, form, ret):
    with pytest.raises(PermissionDenied):
        services.return_open(
            actor=xian, form=form, region=Region.objects.get(code="610900"), period=PERIOD
        )
    with pytest.raises(PermissionDenied):
        services.return_values_store(actor=xian, stat_return=ret, entries=entries(TRAININGS=1))
    with pytest.raises(PermissionDenied):
        upload(xian, ret, fill(template_for(ret), all_figures(ret.form)))
    assert stored(ret) == {}
