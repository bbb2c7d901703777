"""The projects journey of issue 3, in a real browser, one actor per browser context.

A reviewer opens a call; the demo enterprise declares a category-3 project and is told exactly
why it is ineligible; once eligible it submits; the reviewer passes it and assigns a proposed
panel of five experts; each declares no conflict and scores; the ranking shows the trimmed mean;
the reviewer approves; the enterprise reports progress and requests acceptance; the verdict lists
each KPI met or not met. Screenshots of each step go to test-artifacts/screenshots/.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from projects.factories import PATENTS
from projects.models import Application, Assignment, Call
from projects.services import NARRATIVE_SECTIONS

# Five experts' totals; the highest (95) and lowest (55) are dropped: (80 + 75 + 70) / 3 = 75.
TOTALS = [95, 80, 75, 70, 55]
CRITERIA_WEIGHTS = [20, 25, 25, 20, 10]


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"projects-journey-{step}.png"), full_page=True)


def split(total: int) -> list[int]:
    """Spread a total over the rubric's weights, in order."""
    points, remaining = [], total
    for weight in CRITERIA_WEIGHTS:
        give = min(weight, remaining)
        points.append(give)
        remaining -= give
    return points


def test_declaration_review_scoring_approval_and_acceptance(page_as, request):
    # 1. The reviewer opens a call with category 3 only.
    reviewer = page_as("reviewer")
    reviewer.goto("/projects/calls/")
    reviewer.click("[data-testid=new-call]")
    now = timezone.localtime()
    reviewer.fill("#id_year", str(now.year))
    reviewer.fill("#id_title", "浏览器测试专项批次")
    reviewer.fill("#id_opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    reviewer.fill("#id_closes_at", (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"))
    for row in reviewer.locator("[data-testid=call-form] tr[data-category]").all():
        code = row.get_attribute("data-category")
        checkbox = row.locator("input[type=checkbox]")
        if code == "3":
            checkbox.check()
            row.locator("input[name$=budget]").fill("200")
            row.locator("input[name$=expected_projects]").fill("4")
        else:
            checkbox.uncheck()
    reviewer.click("[data-testid=save-call]")
    expect(reviewer.locator("[data-testid=call-open]")).to_be_visible()
    call = Call.objects.get(title="浏览器测试专项批次")
    assert [lot.code for lot in call.lots.all()] == [3]
    shot(reviewer, request, "1-call-opened")

    # 2. The enterprise declares; with 3 patents it is told exactly why it is ineligible.
    enterprise = page_as("enterprise")
    enterprise.goto(f"/projects/calls/{call.pk}/")
    enterprise.click("[data-testid=apply-3]")
    expect(enterprise.locator("[data-testid=eligibility]")).to_be_visible()
    enterprise.click("[data-testid=start-draft]")
    expect(enterprise.locator("[data-testid=application-form]")).to_be_visible()
    enterprise.fill("#id_title", "秦创原专利运营赋能项目")
    enterprise.fill("#id_summary", "引进高校专利技术，开展专利导航与上市前知识产权风险评估。")
    enterprise.fill("#id_requested_amount", "60")
    enterprise.fill("#id_contact_name", "李明")
    enterprise.fill("#id_contact_phone", "029-86660000")
    enterprise.fill("#id_patents", "\n".join(PATENTS[:3]))
    for key, _label in NARRATIVE_SECTIONS:
        enterprise.fill(f"#id_narrative_{key}", "详见申报书附件。")
    enterprise.fill("#id_kpi_transfers_in_committed", "4")  # below the minimum of 5
    enterprise.click("[data-testid=submit]")
    patent_rule = enterprise.locator("[data-rule=patent_count]")
    expect(patent_rule).to_have_attribute("data-passed", "no")
    expect(patent_rule).to_contain_text("10")
    expect(patent_rule).to_contain_text("3")
    expect(enterprise.locator("[data-problem=kpi_transfers_in_committed]")).to_contain_text("5")
    application = Application.objects.get(call_category__call=call)
    assert application.status == Application.Status.DRAFT
    shot(enterprise, request, "2-ineligible-explained")

    enterprise.fill("#id_patents", "\n".join(PATENTS[:10]))
    enterprise.fill("#id_kpi_transfers_in_committed", "6")
    enterprise.click("[data-testid=submit]")
    expect(enterprise.locator("[data-testid=status]")).to_have_text("已提交")
    shot(enterprise, request, "3-submitted")

    # The declaration prints (the browser's "Save as PDF"): render the print page to a PDF.
    printable = enterprise.context.new_page()
    printable.goto(f"/projects/applications/{application.pk}/print/")
    expect(printable.locator("h1")).to_contain_text("科创企业专利运营赋能项目申报书")
    expect(printable.locator("body")).to_contain_text("202110182616.5")
    folder = request.config.rootpath / "test-artifacts"
    pdf = printable.pdf(path=str(folder / "projects-declaration.pdf"), format="A4")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000  # the CJK glyphs are embedded
    shot(printable, request, "3-print")
    printable.close()

    # 3. The reviewer passes formal review and assigns the proposed panel of five.
    reviewer.goto(f"/projects/applications/{application.pk}/")
    reviewer.click("[data-action=pass]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("形式审查通过")
    reviewer.click("[data-action=assign]")
    reviewer.click("[data-testid=propose]")
    expect(
        reviewer.locator("[data-testid=assign-form] input[type=checkbox]:checked")
    ).to_have_count(5)
    shot(reviewer, request, "4-panel-proposed")
    reviewer.click("[data-testid=assign]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("专家评审中")
    assignments = list(Assignment.objects.filter(application=application).order_by("pk"))
    assert len(assignments) == 5

    # 4. Each expert declares no conflict, then scores.
    for assignment, total in zip(assignments, TOTALS, strict=True):
        expert = page_as(assignment.expert.username)
        expert.goto("/projects/reviews/")
        expert.click(f"text={application.number}")
        expect(expert.locator("[data-testid=conflict]")).to_be_visible()
        expect(expert.locator("[data-testid=score-form]")).to_have_count(0)
        expert.click("[data-testid=no-conflict]")
        inputs = expert.locator("[data-testid=score-form] input[type=number]")
        expect(inputs).to_have_count(len(CRITERIA_WEIGHTS))
        for index, points in enumerate(split(total)):
            inputs.nth(index).fill(str(points))
        expert.click("[data-testid=submit-score]")
        expect(expert.locator("[data-testid=assignment-status]").first).to_be_visible()

    application.refresh_from_db()
    assert application.status == Application.Status.SCORED
    assert application.final_score == Decimal("75.00")

    # 5. The ranking shows the trimmed mean; the reviewer approves 50万元.
    reviewer.goto(f"/projects/ranking/?lot={application.call_category_id}")
    row = reviewer.locator(f"tr[data-number='{application.number}']")
    expect(row.locator("[data-testid=final-score]")).to_have_text("75")  # formats.number
    shot(reviewer, request, "5-ranking")
    reviewer.goto(f"/projects/applications/{application.pk}/")
    expect(reviewer.locator("[data-testid=final-score]")).to_contain_text("最终得分：75")
    reviewer.fill("[data-testid=approve-form] input[name=amount]", "50")
    reviewer.click("[data-action=approve]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("已立项")
    expect(reviewer.locator("[data-testid=approved-amount]")).to_contain_text("50")

    # 6. The enterprise reports progress, then requests acceptance.
    enterprise.goto(f"/projects/applications/{application.pk}/")
    enterprise.click("[data-action=report_progress]")
    enterprise.fill("#id_actual_transfers_in", "2")
    enterprise.fill("#id_narrative", "已承接高校专利许可2项。")
    enterprise.click("[data-testid=file-report]")
    expect(enterprise.locator("[data-testid=status]")).to_have_text("执行中")
    enterprise.click("[data-action=request_acceptance]")
    enterprise.fill("#id_actual_transfers_in", "7")
    enterprise.fill("#id_actual_hv_patents", "4")  # committed 5: not met
    enterprise.select_option("#id_actual_nav_report", "1")
    enterprise.select_option("#id_actual_product_filing", "1")
    enterprise.fill("#id_narrative", "项目完成，申请验收。")
    enterprise.click("[data-testid=file-report]")
    expect(enterprise.locator("[data-testid=status]")).to_have_text("已申请验收")
    shot(enterprise, request, "6-acceptance-requested")

    # 7. The reviewer sees each KPI met or not met and records the verdict.
    reviewer.goto(f"/projects/applications/{application.pk}/")
    results = reviewer.locator("[data-testid=kpi-results]")
    expect(results.locator("tr[data-kpi=transfers_in] [data-met]")).to_have_attribute(
        "data-met", "yes"
    )
    expect(results.locator("tr[data-kpi=hv_patents] [data-met]")).to_have_attribute(
        "data-met", "no"
    )
    reviewer.check("input[name=verdict][value=not_accept]")
    reviewer.fill(
        "[data-testid=verdict-form] textarea[name=reason]", "培育高价值专利4件，未达到承诺的5件。"
    )
    reviewer.click("[data-action=verdict]")
    verdict = reviewer.locator("[data-testid=verdict]")
    expect(verdict).to_contain_text("验收不通过")
    expect(verdict).to_contain_text(re.compile(r"3\D+4"))
    shot(reviewer, request, "7-verdict")

    enterprise.goto(f"/projects/applications/{application.pk}/")
    expect(enterprise.locator("[data-testid=history] li")).to_have_count(8)
    expect(enterprise.locator("[data-testid=assignments]")).to_have_count(0)  # no expert scores
