"""The patents journey of issue 5, in a real browser, one actor per browser context.

The demo university downloads the template, fills in its list (openpyxl, as a person would in
Excel), uploads it, reads the rows the dry run refuses with their cells, fixes them and imports;
it screens a new patent and its coverage moves. The demo enterprise posts a technology need, reads
the ranked, explained suggestions and gives feedback. The university reads the feedback and
records a licence to the enterprise; the reporting indicator of licence amounts moves, and the
leader's dashboard shows it. Screenshots of each step go to test-artifacts/screenshots/.
"""

import io
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum
from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from patents.models import Conversion, Patent
from portal import formats
from portal.identifiers import patent_check_character
from portal.models import User
from reporting.models import IndicatorValue

PERIOD = "2025Q1"
TITLE = "一种钠离子电池层状氧化物正极材料及其制备方法"
ABSTRACT = "本发明公开了一种钠离子电池层状氧化物正极材料，通过铜镁共掺杂提高循环稳定性和倍率性能。"


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"patents-journey-{step}.png"), full_page=True)


def download(page: Page, selector: str, folder: Path) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def fresh_numbers(count: int) -> list[str]:
    """Application numbers with a right check character that the demo pool does not hold."""
    found = []
    serial = 9_990_000
    while len(found) < count:
        digits = f"20221{serial:07d}"
        number = f"{digits}.{patent_check_character(digits)}"
        if not Patent.objects.filter(number=number).exists():
            found.append(number)
        serial += 1
    return found


def wrong_check(number: str) -> str:
    right = number[-1]
    return number[:-1] + ("0" if right != "0" else "1")


def fill(template: bytes, rows: list[list]) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    # Under the title block: the row after the header (申请号 …), over the example row.
    header = next(row[0].row for row in sheet.iter_rows(max_row=10) if row[0].value == "申请号")
    for row_number, row in enumerate(rows, start=header + 1):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(page: Page, content: bytes, folder: Path, name: str) -> None:
    path = folder / name
    path.write_bytes(content)
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    page.click("[data-testid=import-form] button[type=submit]")


def indicator(code: str, region: str = "610000") -> Decimal:
    found = IndicatorValue.objects.filter(
        indicator__code=code, region__code=region, period=PERIOD
    ).first()
    return found.value if found else Decimal(0)


def wait_for(check, seconds: float = 20.0) -> None:
    """The recompute runs in a worker (or in-process after commit): poll the database."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the indicator did not move in time"
        time.sleep(0.2)


def test_university_imports_screens_enterprise_matches_university_licenses(
    page_as, request, tmp_path, demo_data
):
    main, second, third = fresh_numbers(3)
    rows = [
        [main, TITLE, "发明", "有效", "2021-03-05", "2023-04-11", "H01M4/525;H01M10/054",
         "张明；李华", ABSTRACT, "是", "陕西省重点研发计划（2021GY-001）", "否", "否", ""],
        [wrong_check(second), "一种储能电池热管理方法", "发明", "有效", "2022-06-01",
         "2022-12-20", "H01M10/613", "王强", "", "否", "", "否", "否", ""],
        [third, "", "发明", "审中", "2024-01-09", "", "C01G45/12", "赵敏", "", "否", "", "否",
         "否", ""],
    ]  # fmt: skip

    # 1. The university downloads the template, fills in three rows, two of them wrong.
    university = page_as("university")
    university.goto("/patents/")
    university.click("[data-testid=import-link]")
    template = download(university, "main a[href$='template.xlsx']", tmp_path)
    upload(university, fill(template, rows), tmp_path, "pool-draft.xlsx")
    problems = university.locator("[data-testid=import-problems] tbody tr")
    expect(problems).to_have_count(2)
    # Rows 5 and 6: under the title block (2 rows), the header (row 3) and the first row.
    expect(university.locator("[data-testid=import-problems] tr[data-cell=A5]")).to_contain_text(
        second[-1]
    )
    expect(university.locator("[data-testid=import-problems] tr[data-cell=B6]")).to_be_visible()
    shot(university, request, "1-dry-run-problems")
    assert not Patent.objects.filter(number=main).exists()  # a dry run stores nothing

    # 2. Fixed: every row is good; the university imports them together.
    rows[1][0], rows[2][1] = second, "一种锰基前驱体的共沉淀制备方法"
    upload(university, fill(template, rows), tmp_path, "pool.xlsx")
    expect(university.locator("[data-testid=import-summary]")).to_have_class("alert alert-success")
    university.click("[data-testid=import-confirm]")
    expect(university.locator("h1")).to_contain_text("专利")
    patent = Patent.objects.get(number=main)
    assert Patent.objects.filter(number__in=[main, second, third]).count() == 3
    shot(university, request, "2-imported")

    # 3. It screens the new patent; its coverage moves.
    owner = patent.owner
    before = Patent.objects.filter(owner=owner, status="valid", converted=False)
    screened_before = before.filter(screened_at__isnull=False).count()
    university.goto(f"/patents/?q={main}")
    university.click(f"tr[data-number='{main}'] [data-testid=screen]")
    university.select_option("select[name=tier]", "A")
    university.select_option("select[name=industry]", "04")
    university.fill("input[name=note]", "中试完成，适合储能企业许可实施")
    university.click("[data-testid=screen-form] button[type=submit]")
    expect(university.locator(f"tr[data-number='{main}'] [data-testid=tier]")).to_have_text("A")
    assert before.filter(screened_at__isnull=False).count() == screened_before + 1
    expect(university.locator(f"[data-testid=coverage] tr[data-key='{owner.pk}']")).to_contain_text(
        f"{screened_before + 1} / {before.count()}"
    )
    shot(university, request, "3-screened-coverage")

    # 4. The enterprise posts a need and reads ranked, explained suggestions.
    enterprise = page_as("enterprise")
    enterprise.goto("/patents/needs/new/")
    enterprise.fill("input[name=title]", "钠离子电池正极材料量产技术")
    enterprise.fill(
        "textarea[name=description]",
        "寻求钠离子电池层状氧化物正极材料的制备技术，提高循环稳定性，用于储能电池量产。",
    )
    enterprise.select_option("select[name=industry]", "04")
    enterprise.fill("input[name=ipc]", "H01M4")
    enterprise.select_option("select[name=cooperation]", "licence")
    enterprise.click("main form button[type=submit]")
    row = enterprise.locator(f"[data-testid=matches] tr[data-number='{main}']")
    deadline = time.monotonic() + 20
    while row.count() == 0 and time.monotonic() < deadline:
        enterprise.wait_for_timeout(300)
        enterprise.reload()
    expect(row).to_be_visible()
    rank = int(row.locator("td").first.inner_text())
    assert rank <= 5, f"the right patent ranks {rank}"
    expect(row.locator("[data-testid=why]")).to_contain_text("钠离子")
    expect(row.locator("[data-testid=why]")).to_contain_text("H01M4")
    shot(enterprise, request, "4-suggestions")

    # 5. It gives feedback; the patent is re-tiered and the university reads it.
    row.locator("select[name=rating]").select_option("5")
    row.locator("input[name=improvements]").fill("希望提供吨级中试数据")
    row.locator("input[name=wants_cooperation]").check()
    row.locator("[data-testid=feedback-form] button[type=submit]").click()
    expect(
        enterprise.locator(f"tr[data-number='{main}'] [data-testid=feedback-given]")
    ).to_contain_text("5/5")
    shot(enterprise, request, "5-feedback")

    # 6. The university reads the feedback and records a licence to the enterprise.
    licensee = User.objects.get(username="enterprise").organisation
    amount_before = indicator("POOL_CONVERSION_AMOUNT")
    university.goto(f"/patents/{patent.pk}/")
    expect(university.locator("main")).to_contain_text("希望提供吨级中试数据")
    university.click("[data-testid=record-links] a[data-kind=licence]")
    university.select_option("select[name=counterparty]", str(licensee.pk))
    university.select_option("select[name=licence_kind]", "ordinary")
    university.fill("input[name=amount]", "800000")
    university.fill("input[name=starts_on]", "2025-03-15")
    university.fill("input[name=ends_on]", "2028-03-14")
    university.click("[data-testid=conversion-form] button[type=submit]")
    expect(university.locator("[data-testid=events] tr[data-kind=licence]")).to_contain_text(
        licensee.name
    )
    shot(university, request, "6-licence-recorded")
    event = Conversion.objects.get(patent=patent, kind="licence")
    assert event.amount == Decimal("800000") and event.counterparty == licensee
    patent.refresh_from_db()
    assert patent.converted and patent.tier == "A"

    # 7. The reporting indicator moves by 80万元, in the city and the province: every transfer
    # and licence of the pool dated by the end of the quarter, in 万元.
    recorded = Conversion.objects.filter(
        kind__in=["transfer", "licence"], starts_on__lte=date(2025, 3, 31)
    ).aggregate(total=Sum("amount"))["total"]
    expected = (recorded / 10000).quantize(Decimal("0.0001"))
    assert expected >= amount_before + 80
    wait_for(lambda: indicator("POOL_CONVERSION_AMOUNT") == expected)
    city = owner.region.path.strip("/").split("/")[1]
    assert indicator("POOL_CONVERSION_AMOUNT", city) >= 80
    leader = page_as("leader")
    leader.goto(f"/reporting/dashboard/?period={PERIOD}")
    figure = leader.locator(
        "[data-testid=other-indicators] tr[data-indicator=POOL_CONVERSION_AMOUNT] "
        "[data-testid=value]"
    )
    with translation.override("zh-hans"):
        shown = formats.money(expected * 10_000)  # the table's unit: 万元 (portal/formats.py)
    expect(figure).to_have_text(shown)
    shot(leader, request, "7-dashboard")
