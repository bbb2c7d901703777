"""The exchange journey of issue 7, in a real browser, one actor per browser context.

The reviewer imports the provincial 专精特新 list as the province publishes it (a title row, then
序号, 企业名称, 统一社会信用代码, 所在市, 认定年度): the dry run refuses a wrong check character at
its cell and lists a well-formed code no organisation has as not matched. Fixed, the list imports;
the demo enterprise, on it in lower case, is at once eligible for the provincial specialised-SME
reward. The demo university exports its stock-patent registration batch, holding only its own
screened patents. Screenshots of each step go to test-artifacts/screenshots/.
"""

import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from exchange.models import Mapping, Run
from exchange.seeds import seed_mappings
from incentives.models import Claim, Payment
from patents.models import Patent
from portal.identifiers import credit_code_check_character
from portal.models import Organisation, Qualification, User

YEAR = 2025
REWARDS = ("specialised-province", "specialised-ankang")


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"exchange-journey-{step}.png"), full_page=True)


def code(body17: str) -> str:
    return body17 + credit_code_check_character(body17)


def unknown_code(start: int) -> str:
    """A well-formed credit code no organisation of the portal has."""
    serial = start
    while True:
        found = code(f"91610100MA6T{serial:05d}")
        if not Organisation.objects.filter(credit_code=found).exists():
            return found
        serial += 1


def wrong(credit: str) -> str:
    return credit[:-1] + ("1" if credit[-1] != "1" else "2")


def published(rows: list[list]) -> bytes:
    """The list as the province publishes it: a title row, then its own headers."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append([f"{YEAR}年陕西省专精特新中小企业名单（第一批）"])
    sheet.append(["序号", "企业名称", "统一社会信用代码", "所在市", "认定年度"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(page: Page, content: bytes, folder: Path, name: str) -> None:
    path = folder / name
    path.write_bytes(content)
    page.set_input_files("[data-testid=import-form] input[type=file]", str(path))
    with page.expect_navigation():
        page.click("[data-testid=import-form] button[type=submit]")


def prepare() -> Organisation:
    """The live server's database was flushed: seed the mappings again. The demo gives the
    enterprise claims under both specialised-SME rewards (paid, with no recognition behind
    them); remove those and any provincial specialised-SME recognition, so that only the
    imported list can make it eligible."""
    seed_mappings(Mapping)
    organisation = User.objects.get(username="enterprise").organisation
    claims = Claim.objects.filter(organisation=organisation, policy__code__in=REWARDS)
    Payment.objects.filter(claim__in=claims).delete()
    claims.delete()
    Qualification.objects.filter(
        organisation=organisation, kind=Qualification.Kind.SPECIALISED_PROVINCIAL
    ).delete()
    return organisation


def test_reviewer_imports_the_provincial_list_and_the_enterprise_becomes_eligible(
    page_as, request, tmp_path, demo_data
):
    organisation = prepare()
    unknown, misspelt = unknown_code(1), unknown_code(500)
    rows = [
        [organisation.name, organisation.credit_code.lower(), "安康市", YEAR],
        ["陕西某未入驻平台科技有限公司", unknown, "西安市", YEAR],
        ["宝鸡某校验位抄错机械有限公司", wrong(misspelt), "宝鸡市", YEAR],
    ]

    # 1. Before the import the enterprise is not eligible for the provincial reward.
    enterprise = page_as("enterprise")
    enterprise.goto("/incentives/")
    province = enterprise.locator("[data-testid=policy-row][data-code=specialised-province]")
    city = enterprise.locator("[data-testid=policy-row][data-code=specialised-ankang]")
    expect(province).to_have_attribute("data-eligible", "no")
    expect(city).to_have_attribute("data-eligible", "no")
    shot(enterprise, request, "1-not-eligible")

    # 2. The reviewer uploads the list as published and reads the dry run.
    reviewer = page_as("reviewer")
    reviewer.goto("/")
    reviewer.click("[data-testid=nav] [data-nav=exchange]")
    expect(reviewer.locator("[data-testid=imports] [data-code=zjtx-provincial]")).to_be_visible()
    shot(reviewer, request, "2-mappings")
    reviewer.click("[data-testid=mapping-row][data-code=zjtx-provincial] [data-testid=import]")
    upload(reviewer, published(rows), tmp_path, "2025年省级专精特新名单.xlsx")
    problems = reviewer.locator("[data-testid=import-problems]")
    # Row 1 is the title, row 2 the headers: the enterprises are rows 3, 4 and 5.
    expect(problems.locator("tr[data-cell=C5]")).to_have_class("table-danger")
    expect(problems.locator("tr[data-cell=C5]")).to_have_attribute("data-importance", "blocking")
    expect(problems.locator("tr[data-cell=C4]")).to_have_class("table-warning")
    expect(problems.locator("tr[data-cell=C4] [data-testid=not-matched]")).to_be_visible()
    expect(reviewer.locator("[data-testid=unmatched]")).to_contain_text(unknown)
    expect(problems.locator("tr[data-cell=C3]")).to_have_count(0)  # lower case is fine
    expect(reviewer.locator("[data-testid=import-summary]")).to_have_attribute(
        "data-can-apply", "no"
    )
    expect(reviewer.locator("[data-testid=import-confirm]")).to_have_count(0)
    assert not Qualification.objects.filter(organisation=organisation, year=YEAR).exists()
    shot(reviewer, request, "3-dry-run-problems")

    # 3. The check character corrected, the list imports; both unknown codes are listed.
    rows[2][1] = misspelt
    upload(reviewer, published(rows), tmp_path, "2025年省级专精特新名单-改.xlsx")
    expect(reviewer.locator("[data-testid=import-summary]")).to_have_attribute(
        "data-can-apply", "yes"
    )
    expect(reviewer.locator("[data-testid=unmatched] li")).to_have_count(2)
    expect(reviewer.locator("[data-testid=import-problems] tr.table-danger")).to_have_count(0)
    shot(reviewer, request, "4-ready")
    with reviewer.expect_navigation():
        reviewer.click("[data-testid=import-confirm]")
    expect(reviewer.locator(".alert-success")).to_contain_text("2025年省级专精特新名单-改.xlsx")
    run = Run.objects.get(original_name="2025年省级专精特新名单-改.xlsx")
    assert run.applied_at is not None and run.summary["created"] == 1
    assert run.summary["skipped"] == 2
    expect(reviewer.locator(f"[data-testid=run-row][data-run='{run.pk}']")).to_have_attribute(
        "data-applied", "yes"
    )
    qualification = Qualification.objects.get(
        organisation=organisation, kind=Qualification.Kind.SPECIALISED_PROVINCIAL
    )
    assert qualification.year == YEAR
    shot(reviewer, request, "5-imported")

    # 4. At once, the enterprise may claim the provincial (and the Ankang city) reward.
    enterprise.goto("/incentives/")
    for row in (province, city):
        expect(row).to_have_attribute("data-eligible", "yes")
        expect(row.locator("[data-testid=reasons]")).to_contain_text(str(YEAR))
        expect(row.locator("[data-testid=claim]")).to_be_visible()
    shot(enterprise, request, "6-eligible")


def test_university_exports_its_own_registration_batch(page_as, request, tmp_path, demo_data):
    seed_mappings(Mapping)
    owner = User.objects.get(username="university").organisation
    screened = Patent.objects.filter(
        status=Patent.Status.VALID, converted=False, screened_at__isnull=False
    )
    own = set(screened.filter(owner=owner).values_list("number", flat=True))
    assert own and screened.exclude(owner=owner).exists()  # others' patents to leave out

    university = page_as("university")
    university.goto("/exchange/")
    rows = university.locator("[data-testid=mapping-row]")
    expect(rows).to_have_count(1)  # only what it may export: its registration batch
    batch = rows.first
    expect(batch).to_have_attribute("data-code", "stock-patent-registration")
    expect(batch.locator("select[name=organisation]")).to_have_count(0)
    shot(university, request, "7-university-exports")
    with university.expect_download() as info:
        batch.locator("[data-testid=export-xlsx]").click()
    download = info.value
    # Named for people, as the mapping is (the ASCII fallback carries the mapping's code).
    assert download.suggested_filename.startswith("存量专利登记批次")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    sheet = load_workbook(path, read_only=True).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    headers = list(lines[0])
    assert headers[:2] == ["申请号", "专利名称"]
    number_at = headers.index("申请号")
    code_at = headers.index("专利权人统一社会信用代码")
    assert {line[code_at] for line in lines[1:]} == {owner.credit_code}
    assert {line[number_at] for line in lines[1:]} == own
    assert Run.objects.filter(mapping__code="stock-patent-registration").count() == 1
