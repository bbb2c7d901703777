"""The reporting journey of issue 4, in a real browser, one actor per browser context.

The 安康市 city agency downloads the template of the demo's round in progress (the last complete
quarter, which it has not reported), fills it in (openpyxl, as a person would in Excel) with the
figures the demo has it report, uploads it, reads the precise list of its mistakes, fixes them and
submits; the reviewer approves; the leader's dashboard shows Ankang's valid invention patents
against the 400 target with expected-by-now and projection; the province page ranks the cities by
the approved figures and shows which have not reported; the leader exports the dashboard to Excel.
Screenshots of each step go to test-artifacts/screenshots/.
"""

import io
from pathlib import Path

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from portal import formats
from reporting import demo
from reporting.models import DataValue, Indicator, IndicatorValue, ProgressSnapshot, StatReturn
from reporting.tests.workbooks import cell_of, fill

ROUND = demo.current_round(timezone.localdate())
PERIOD = str(ROUND)


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"reporting-journey-{step}.png"), full_page=True)


def download(page: Page, selector: str, folder: Path) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def upload(page: Page, content: bytes, folder: Path, name: str) -> None:
    path = folder / name
    path.write_bytes(content)
    page.set_input_files("[data-testid=upload-form] input[type=file]", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")


def test_city_uploads_reviewer_approves_leader_sees_progress_and_exports(
    page_as, request, tmp_path
):
    # 1. The Ankang agency opens its return of the round and downloads the template.
    city = page_as("ankang")
    city.goto("/reporting/")
    city.select_option("[data-testid=open-return] select[name=period]", PERIOD)
    city.click("[data-testid=open-return] button[type=submit]")
    expect(city.locator("h1")).to_contain_text("安康市")
    template = download(city, "[data-testid=download-template]", tmp_path)
    sheet = load_workbook(io.BytesIO(template))["季度统计"]
    # The title block: the region's code and the period as people write it (read on upload).
    assert sheet["E2"].value == "610900" and sheet["G2"].value == formats.period_official(PERIOD)

    # 2. A first attempt with three mistakes: each is reported with its cell, nothing stored.
    # The figures: what the demo has Ankang report, so its stocks do not fall from last quarter.
    figures: dict = dict(demo.figures_for("610900", ROUND))
    valid = figures["VALID_INVENTION"]
    mistakes = {
        **figures,
        "TRAININGS": "五场",
        "TRANSFER_COUNT": -2,
        "HIGH_VALUE_INVENTION": valid + 48,
        "CONTRACT_COUNT": "1,23",
    }
    upload(city, fill(template, mistakes), tmp_path, f"ankang-{PERIOD}-draft.xlsx")
    problems = city.locator("[data-testid=problems] tbody tr")
    expect(problems).to_have_count(4)
    for code in ("TRAININGS", "TRANSFER_COUNT", "HIGH_VALUE_INVENTION", "CONTRACT_COUNT"):
        cell = cell_of(template, code)
        expect(city.locator(f"[data-testid=problems] tr[data-cell={cell}]")).to_contain_text(cell)
    expect(city.locator("[data-testid=confirm]")).to_have_count(0)
    shot(city, request, "1-problems")
    ankang_return = StatReturn.objects.get(region__code="610900", period=PERIOD)
    assert not DataValue.objects.filter(stat_return=ankang_return).exists()

    # 3. Fixed: the check shows what would be stored; the city confirms, then submits.
    city.click("[data-testid=back]")
    figures["TRAININGS"] = "５"  # full-width digits are read as 5
    figures["CONTRACT_COUNT"] = " 9 "
    upload(city, fill(template, figures), tmp_path, f"ankang-{PERIOD}.xlsx")
    expect(city.locator("[data-testid=problems-summary]")).to_have_class("alert alert-success")
    expect(city.locator("[data-testid=changes] tbody tr")).to_have_count(len(figures))
    shot(city, request, "2-check-passed")
    city.click("[data-testid=confirm]")
    expect(city.locator("tr[data-code=VALID_INVENTION] [data-testid=value]")).to_have_text(
        f"{valid}"
    )
    expect(city.locator("tr[data-code=TRAININGS] [data-testid=value]")).to_have_text("5")
    city.click("[data-testid=submit]")
    expect(city.locator("[data-status=submitted]").first).to_be_visible()
    shot(city, request, "3-submitted")

    # 4. The reviewer approves.
    reviewer = page_as("reviewer")
    reviewer.goto(f"/reporting/returns/{ankang_return.pk}/")
    reviewer.click("[data-testid=approve]")
    expect(reviewer.locator("[data-status=approved]").first).to_be_visible()
    shot(reviewer, request, "4-approved")

    # 5. The leader's Ankang dashboard: the figure against 400, with expected-by-now and
    # projection. A target is judged up to its deadline: past it (the 2025 targets, after
    # 2025), the card holds the final result, of the deadline's quarter.
    value = IndicatorValue.objects.get(
        indicator__code="VALID_INVENTION", region__code="610900", period=PERIOD
    )
    assert value.value == valid
    snapshot = ProgressSnapshot.objects.filter(
        target__indicator__code="VALID_INVENTION",
        target__region__code="610900",
        period__lte=PERIOD,
    ).latest("period")
    assert snapshot.period < PERIOD or snapshot.actual == valid
    leader = page_as("leader")
    leader.goto(f"/reporting/dashboard/610900/?period={PERIOD}")
    card = leader.locator("[data-testid=target-card][data-indicator=VALID_INVENTION]")
    expect(card.locator("[data-testid=actual]")).to_have_text(f"{snapshot.actual.normalize():f}")
    expect(card).to_contain_text("400")
    expect(card.locator("[data-testid=expected]")).not_to_be_empty()
    expect(card.locator("[data-testid=projection]")).not_to_have_text("—")
    expect(card.locator(".progress-marker").first).to_be_visible()
    expect(card.locator(".trend-chart svg")).to_have_count(1)
    expect(leader.locator("[data-testid=computed-at]")).to_contain_text("20")
    shot(leader, request, "5-ankang-dashboard")

    # 6. The province page: the cities ranked by the round's figures, Ankang's approved one
    # among them; who has not reported the round (Ankang has now).
    leader.goto(f"/reporting/dashboard/?period={PERIOD}")
    name = Indicator.objects.get(code="VALID_INVENTION").name
    ranking = leader.locator("[data-testid=ranking] .card", has_text=name)
    expect(ranking.locator("tr[data-region='610900']")).to_contain_text(f"{valid}")
    missing = leader.locator("[data-testid=missing]")
    expect(missing).to_contain_text("铜川市")
    expect(missing).not_to_contain_text("安康市")
    expect(leader.locator("[data-testid=completeness] tr[data-region='610900']")).to_have_attribute(
        "data-state", "approved"
    )
    shot(leader, request, "6-province-dashboard")

    # 7. The leader exports the dashboard: a worker makes the workbook while the page waits.
    leader.click("[data-testid=export-dashboard]")
    expect(leader.locator("[data-testid=export-download]")).to_be_visible()
    shot(leader, request, "7-export")
    content = download(leader, "[data-testid=export-download]", tmp_path)
    workbook = load_workbook(io.BytesIO(content))
    assert {"转化运用", "企业培育", "报送情况"} <= set(workbook.sheetnames)
