"""The incentives journey of issue 6, in a real browser, one actor per browser context.

The demo enterprise, a national little giant in 安康市, is shown both its provincial (50万元) and
city (20万元) rewards, explained; it claims both, attaching its recognition document, and the
reviewer approves and pays them within budget. It then claims the provincial pledge-loan interest
subsidy for a repaid loan whose interest payments cross year boundaries, two of them after the
two years: half the interest counted is more than 50万元, so the cumulative cap binds, and the
working says so line by line. The reviewer approves it; the leader sees committed and paid
against each policy's budget. Screenshots of each step go to test-artifacts/screenshots/.
"""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from incentives.models import Budget, Claim, Payment, Policy
from incentives.selectors import budget_status
from portal.formats import money, money_with_unit
from portal.models import Qualification, User

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CODES = ("little-giant-province", "little-giant-ankang", "pledge-interest")

# A 3,000万元 loan from 2023-06-28, repaid 2026-06-26; interest paid every half year. The two
# years run to 2025-06-27: four payments count (2,610,000.00), the last two do not.
LOAN = {
    "loan_bank": "中国银行股份有限公司安康分行",
    "loan_contract": "中银安康质贷字2023第0628号",
    "loan_amount": "30000000",
    "loan_start": "2023-06-28",
    "loan_end": "2026-06-26",
}
INTEREST = [
    ("2023-12-21", "652500.00"),
    ("2024-06-21", "652500.00"),
    ("2024-12-21", "652500.00"),
    ("2025-06-21", "652500.00"),
    ("2025-12-21", "652500.00"),
    ("2026-06-21", "652500.00"),
]


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"incentives-journey-{step}.png"), full_page=True)


def prepare(year: int) -> dict[str, Budget]:
    """What the journey needs, whatever the demo data already holds: the enterprise recognised
    as a national little giant in 2024, none of its claims under the three policies, and this
    year's budgets with room for them."""
    organisation = User.objects.get(username="enterprise").organisation
    Qualification.objects.get_or_create(
        organisation=organisation,
        kind=Qualification.Kind.LITTLE_GIANT,
        year=2024,
        defaults={
            "recognised_on": date(2024, 7, 26),
            "source": "工业和信息化部第六批专精特新“小巨人”企业名单（演示数据）",
        },
    )
    earlier = Claim.objects.filter(organisation=organisation, policy__code__in=CODES)
    Payment.objects.filter(claim__in=earlier).delete()
    earlier.delete()
    budgets = {}
    for code in CODES:
        policy = Policy.objects.get(code=code, is_active=True)
        budget, _created = Budget.objects.get_or_create(
            policy_code=code,
            year=year,
            region=policy.region,
            defaults={"allocated": Decimal("5000000")},
        )
        spent = budget_status(budget)
        if spent.remaining < Decimal("1000000"):
            budget.allocated = spent.committed + spent.paid + Decimal("5000000")
            budget.save(update_fields=["allocated"])
        budgets[code] = budget
    return budgets


def claim_reward(page: Page, request, code: str, amount: str, pdf: Path, step: str) -> Claim:
    """From the policy list: claim, attach the recognition document, read the entitlement,
    submit."""
    page.goto("/incentives/")
    page.click(f"[data-testid=policy-row][data-code={code}] [data-testid=claim]")
    expect(page.locator("[data-testid=eligibility]")).to_contain_text("2024")
    page.set_input_files(
        "[data-testid=evidence] tr[data-label='认定文件'] input[type=file]", str(pdf)
    )
    with page.expect_navigation():
        page.click("[data-testid=save]")
    expect(page.locator("[data-testid=entitlement]")).to_have_text(amount)
    expect(page.locator("[data-testid=evidence-file]")).to_have_text(pdf.name)
    shot(page, request, f"{step}-draft")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "submitted")
    number = page.locator("[data-testid=claim-number]").inner_text()
    return Claim.objects.get(number=number)


def approve_and_pay(page: Page, request, claim: Claim, amount: str, voucher: str, step: str):
    page.goto("/incentives/claims/?status=submitted")
    page.click(f"[data-testid=claim-table] tr[data-number='{claim.number}'] a")
    expect(page.locator("[data-testid=budget]")).to_be_visible()
    expect(page.locator("[data-testid=approve-form] input[name=amount]")).to_have_value(
        re.compile(rf"^{amount.replace(',', '')}(\.0+)?$")
    )
    shot(page, request, f"{step}-review")
    with page.expect_navigation():
        page.click("[data-action=approve]")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "approved")
    granted = Decimal(amount.replace(",", ""))  # the pages write it in 万元
    expect(page.locator("[data-testid=approved-amount]")).to_have_text(money_with_unit(granted))
    page.fill("[data-testid=pay-form] input[name=voucher]", voucher)
    with page.expect_navigation():
        page.click("[data-action=pay]")
    expect(page.locator("[data-testid=status]")).to_have_attribute("data-status", "paid")
    expect(page.locator("[data-testid=paid-amount]")).to_have_text(money(granted))
    shot(page, request, f"{step}-paid")


def test_little_giant_claims_both_rewards_and_the_capped_interest_subsidy(
    page_as, nav_link, request, tmp_path, demo_data
):
    year = timezone.localdate().year
    budgets = prepare(year)
    before = {code: budget_status(budget) for code, budget in budgets.items()}
    pdf = tmp_path / "小巨人认定文件.pdf"
    pdf.write_bytes(PDF)

    # 1. The enterprise sees both rewards for its recognition, explained.
    enterprise = page_as("enterprise")
    enterprise.goto("/")
    nav_link(enterprise, "incentives").click()
    province = enterprise.locator("[data-testid=policy-row][data-code=little-giant-province]")
    city = enterprise.locator("[data-testid=policy-row][data-code=little-giant-ankang]")
    for row, amount in ((province, "50"), (city, "20")):
        expect(row).to_have_attribute("data-eligible", "yes")
        expect(row.locator("[data-testid=rule]")).to_contain_text(re.compile(rf"^{amount}\s*万元"))
        expect(row.locator("[data-testid=reasons]")).to_contain_text("2024")
        expect(row.locator("[data-testid=claim]")).to_be_visible()
    expect(province.locator("[data-testid=citation]")).to_contain_text("陕政办发〔2024〕11号 (三)")
    expect(city.locator("[data-testid=citation]")).to_contain_text("安政办发〔2024〕13号 第3条")
    shot(enterprise, request, "1-policies")

    # 2. It claims both.
    provincial = claim_reward(
        enterprise, request, "little-giant-province", "500,000.00", pdf, "2-province"
    )
    municipal = claim_reward(
        enterprise, request, "little-giant-ankang", "200,000.00", pdf, "3-city"
    )
    expect(enterprise.locator("[data-testid=working]")).to_contain_text(
        "安政办发〔2024〕13号 第3条"
    )

    # 3. The reviewer approves and pays them, within budget.
    reviewer = page_as("reviewer")
    approve_and_pay(reviewer, request, provincial, "500,000.00", "SX-JL-2026-0001", "4-province")
    approve_and_pay(reviewer, request, municipal, "200,000.00", "AK-JL-2026-0001", "5-city")
    enterprise.goto("/incentives/claims/")
    for claim in (provincial, municipal):
        expect(
            enterprise.locator(f"tr[data-number='{claim.number}'] [data-testid=status]")
        ).to_have_attribute("data-status", "paid")
    # Claimed once: the one-time rewards are not offered again.
    enterprise.goto("/incentives/")
    expect(province).to_have_attribute("data-eligible", "no")
    expect(province.locator("[data-testid=claim]")).to_have_count(0)
    shot(enterprise, request, "6-claims-paid")

    # 4. The pledge interest subsidy: the loan, its interest payments, its evidence.
    enterprise.click("[data-testid=policy-row][data-code=pledge-interest] [data-testid=claim]")
    for name, value in LOAN.items():
        enterprise.fill(f"[data-testid=claim-form] [name={name}]", value)
    for index, (day, amount) in enumerate(INTEREST):
        enterprise.fill(f"[name=payment-{index}-date]", day)
        enterprise.fill(f"[name=payment-{index}-amount]", amount)
    for index, label in enumerate(Policy.objects.get(code="pledge-interest").evidence):
        document = tmp_path / f"{label}.pdf"
        document.write_bytes(PDF)
        enterprise.set_input_files(f"[name=evidence-{index}]", str(document))
    shot(enterprise, request, "7-pledge-form")
    with enterprise.expect_navigation():
        enterprise.click("[data-testid=save]")

    # 5. The working: four payments counted, two left out, half of 2,610,000.00 capped.
    working = enterprise.locator("[data-testid=working] tbody tr")
    expect(working).to_have_count(4)
    expect(working.nth(0)).to_contain_text("2023年6月28日")
    expect(working.nth(0)).to_contain_text("2025年6月27日")
    expect(working.nth(0).locator("td").last).to_have_text("2,610,000.00")
    expect(working.nth(1).locator("td").last).to_have_text("1,305,000.00")
    expect(working.nth(1)).to_contain_text("陕政办发〔2024〕11号 (十一)")
    expect(working.nth(1)).to_contain_text("× 50%")
    expect(working.nth(2)).to_contain_text("500,000.00")
    expect(working.nth(3).locator("td").last).to_have_text("500,000.00")
    expect(enterprise.locator("[data-testid=entitlement]")).to_have_text("500,000.00")
    pledge = Claim.objects.get(organisation=provincial.organisation, policy__code="pledge-interest")
    assert [row["date"] for row in pledge.interest_payments] == [day for day, _ in INTEREST]
    assert pledge.files.count() == 3
    shot(enterprise, request, "8-pledge-working")
    with enterprise.expect_navigation():
        enterprise.click("[data-testid=submit]")
    expect(enterprise.locator("[data-testid=status]")).to_have_attribute("data-status", "submitted")
    expect(enterprise.locator("[data-testid=entitlement]")).to_have_text("500,000.00")
    expect(enterprise.locator("[data-testid=working] tbody tr")).to_have_count(4)
    shot(enterprise, request, "9-pledge-submitted")

    # 6. The reviewer approves it (the entitlement, capped); it awaits payment.
    reviewer.goto(f"/incentives/claims/{pledge.pk}/")
    expect(reviewer.locator("[data-testid=approve-form] input[name=amount]")).to_have_value(
        re.compile(r"^500000(\.0+)?$")
    )
    with reviewer.expect_navigation():
        reviewer.click("[data-action=approve]")
    expect(reviewer.locator("[data-testid=status]")).to_have_attribute("data-status", "approved")

    # 7. The leader reads committed and paid against each policy's budget.
    leader = page_as("leader")
    leader.goto("/incentives/")
    leader.click("[data-testid=budgets-link]")
    moved = {
        "little-giant-province": (Decimal(0), Decimal(500000)),
        "little-giant-ankang": (Decimal(0), Decimal(200000)),
        "pledge-interest": (Decimal(500000), Decimal(0)),
    }
    for code, (committed, paid) in moved.items():
        budget = budgets[code]
        row = leader.locator(
            f"[data-testid=budgets] tr[data-code={code}][data-year='{year}']"
            f"[data-region='{budget.region.code}']"
        )
        expect(row.locator("[data-testid=committed]")).to_have_text(
            money(before[code].committed + committed)
        )
        expect(row.locator("[data-testid=paid]")).to_have_text(money(before[code].paid + paid))
        budget.refresh_from_db()
        after = budget_status(budget)
        expect(row.locator("[data-testid=remaining]")).to_have_text(money(after.remaining))
    shot(leader, request, "10-budgets")
