"""The whole chain of issue 9, from a university's patent to the province's figures, in a real
browser with a live server and a real Celery worker on Redis (tasks are not run in-process).

1. The demo university lists its patents not yet screened and screens one (tier, industry): its
   inventory coverage moves.
2. The demo enterprise (安康, 汉滨区) posts a technology need; the worker matches it against the
   pool and the enterprise reads the screened patent among the suggestions, rates it and says it
   wants to cooperate.
3. The enterprise declares its category 3 project (科创企业专利运营赋能) in the demo's open call and
   submits it; the reviewer passes formal review, assigns the proposed panel of five, and, once
   scored, approves 50万元 in the browser. The five experts' conflict declarations and scores
   are set up through the projects services (projects.services.assignment_accept and
   score_submit): expert scoring is a long workflow with its own journey
   (tests/e2e/test_projects_journey.py).
4. The university records the licence to the enterprise, under that project, with its amount: in
   this portal the patent's owner records a conversion (patent.conversion.record). The
   enterprise reads it among its conversions.
5. The enterprise claims Ankang's one-time reward for its national little-giant recognition
   (20万元, 安政办发〔2024〕13号 第3条); the reviewer approves and pays it.
6. The worker recomputes the portal-fed indicators after each event. The city agency of 安康市
   and the leader read, on their dashboards for the quarter in progress, the licence amount (at
   the licensee's city: POOL_UPTAKE_AMOUNT; at the owner's: POOL_CONVERSION_AMOUNT), the
   approved project (PROJECTS_APPROVED) and the paid reward (INCENTIVES_PAID), each exactly the
   value before the chain plus what the chain added; the pages are reloaded until the worker
   has written them (a deadline, no fixed sleep). The leader exports the province's dashboard
   (made by the worker), downloads it through the page and the workbook holds the same numbers.

Marked `postgres`: it runs in CI's PostgreSQL + Redis pass, where the settings name Redis as the
broker and the worker opens the live server's test database (the SQLite pass runs tasks
in-process and deselects it). Screenshots of each step go to
test-artifacts/screenshots/chain-journey-*.png.
"""

import io
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from config.celery import app
from incentives.models import Claim
from patents.models import Conversion, Patent
from portal import formats
from portal.models import Organisation, User
from portal.periods import Quarter
from projects import services as project_services
from projects.demo import open_call
from projects.factories import PATENTS, points_for
from projects.models import Application, Assignment
from projects.services import NARRATIVE_SECTIONS
from reporting.exporters import OTHER_SHEET
from reporting.models import Indicator, IndicatorValue
from tests.services import database_url, missing_service

pytestmark = [pytest.mark.postgres, pytest.mark.services]

WORKER_DEADLINE = 60  # seconds: the worker's longest wait in this test
PATENT_TITLE = "一种魔芋加工废水深度处理与回用方法"
LICENCE_YUAN = Decimal("368000")  # 36.8万元
GRANT_WAN = "50"
REWARD_CODE, REWARD_YUAN = "little-giant-ankang", Decimal("200000")  # 20万元
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Five experts' totals: the highest and lowest are dropped, (85 + 80 + 75) / 3 = 80.
TOTALS = [90, 85, 80, 75, 70]

ANKANG, XIAN, PROVINCE = "610900", "610100", "610000"
# What the chain adds to each portal-fed indicator (万元 or a count), by region.
ADDED = {
    ANKANG: {
        "POOL_UPTAKE_AMOUNT": LICENCE_YUAN / 10_000,
        "PROJECTS_APPROVED": Decimal(1),
        "INCENTIVES_PAID": REWARD_YUAN / 10_000,
    },
    PROVINCE: {
        "POOL_CONVERSION_AMOUNT": LICENCE_YUAN / 10_000,
        "POOL_UPTAKE_AMOUNT": LICENCE_YUAN / 10_000,
        "PROJECTS_APPROVED": Decimal(1),
        "INCENTIVES_PAID": REWARD_YUAN / 10_000,
    },
    XIAN: {"POOL_CONVERSION_AMOUNT": LICENCE_YUAN / 10_000},
}


# The worker ---------------------------------------------------------------------------------


@pytest.fixture
def chain_worker(redis_broker, demo_data, tmp_path) -> Iterator[Path]:
    """A real `celery worker` on the broker of the settings and the live server's database.

    The demo data is loaded first, in-process; from then on every task the live server queues
    goes through Redis to this worker. It consumes the default queue (the one the portal's
    `.delay()` calls use), purged first so that nothing left by an earlier run is picked up, and
    it is always stopped afterwards, before the live server's database is flushed.
    """
    if not settings.CELERY_BROKER_URL:
        missing_service("needs Redis as the broker: set CELERY_BROKER_URL=redis://HOST:6379/N")
    url = redis_broker  # the settings' broker, reachable (the root conftest.py)
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        worker = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--purge", "-n", f"chain-{uuid.uuid4().hex[:8]}@%h", "--loglevel=INFO",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )  # fmt: skip
    eager = app.conf.task_always_eager
    try:
        deadline = time.monotonic() + WORKER_DEADLINE
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{log.read_text()}", pytrace=False)
            time.sleep(0.2)
        app.conf.task_always_eager = False
        yield log
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=15)


# Helpers ------------------------------------------------------------------------------------


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"chain-journey-{step}.png"), full_page=True)


def reload_until(page: Page, ready: Callable[[], bool], what: Callable[[], str], log: Path) -> None:
    """Reload the page until `ready()` holds: the worker writes what the page shows. Fails after
    WORKER_DEADLINE seconds with `what()` (said as the page stands then) and the end of the
    worker's log."""
    deadline = time.monotonic() + WORKER_DEADLINE
    while not ready():
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text().splitlines()[-40:])
            pytest.fail(
                f"{what()}, still after {WORKER_DEADLINE} s on {page.url}; worker log:\n{tail}",
                pytrace=False,
            )
        page.wait_for_timeout(500)
        page.reload()


def stored(code: str, region: str, period: str) -> Decimal:
    """An indicator's value as computed (what the dashboard shows), 0 when there is none."""
    found = IndicatorValue.objects.filter(
        indicator__code=code, region__code=region, period=period
    ).first()
    return found.value if found else Decimal(0)


def shown(code: str, value: Decimal, table_unit: str) -> str:
    """A figure as the dashboard's table prints it (reporting.selectors.Figures, Chinese): an
    amount in the table's unit (the unit column says 万元 or 亿元), a count as an integer."""
    recorded_in = Indicator.objects.get(code=code).unit
    with translation.override("zh-hans"):
        amount = formats.in_yuan(value, recorded_in)
        if amount is not None:
            return formats.money(amount, "yi" if table_unit == "亿元" else "wan")
        return formats.figure(value, recorded_in)


def other_indicators(page: Page) -> dict[str, tuple[str, str]]:
    """Indicator code → (unit column, figure) of the dashboard's table of other indicators."""
    rows = page.locator("[data-testid=other-indicators] tr[data-indicator]")
    return {
        row.get_attribute("data-indicator"): (
            row.locator("td").nth(1).inner_text().strip(),
            row.locator("[data-testid=value]").inner_text(),
        )
        for row in rows.all()
    }


def _as_expected(page: Page, expected: dict[str, Decimal]) -> bool:
    found = other_indicators(page)
    return all(
        code in found and found[code][1] == shown(code, value, found[code][0])
        for code, value in expected.items()
    )


def open_dashboard_until(page: Page, period: str, expected: dict[str, Decimal], log: Path):
    """Choose the quarter in progress on the dashboard, then reload until every figure is the
    expected one."""
    page.goto("/reporting/dashboard/")
    select = page.locator("[data-testid=period-select]")
    if select.input_value() != period:  # the default is the latest quarter with approved returns
        with page.expect_navigation():
            select.select_option(period)
    expect(select).to_have_value(period)
    reload_until(
        page,
        lambda: _as_expected(page, expected),
        lambda: f"expected {expected}, shown {other_indicators(page)}",
        log,
    )


def test_from_a_screened_patent_to_the_provinces_figures(
    page_as, request, tmp_path, demo_data, chain_worker
):
    log = chain_worker
    today = timezone.localdate()
    period = str(Quarter.containing(today))
    enterprise_org = User.objects.get(username="enterprise").organisation
    university_org = User.objects.get(username="university").organisation
    assert enterprise_org.region.path.startswith(f"{PROVINCE}/{ANKANG}/")
    assert (
        university_org.region.code == XIAN and enterprise_org.kind == Organisation.Kind.ENTERPRISE
    )
    patent = (
        Patent.objects.filter(
            owner=university_org, title=PATENT_TITLE, status=Patent.Status.VALID,
            converted=False, screened_at__isnull=True,
        )
        .order_by("number")
        .first()
    )  # fmt: skip
    assert patent is not None, "the demo pool has changed: no unscreened konjac wastewater patent"
    # The figures before the chain, as computed at the end of the demo load.
    before = {
        region: {code: stored(code, region, period) for code in codes}
        for region, codes in ADDED.items()
    }
    expected = {
        region: {code: before[region][code] + added for code, added in codes.items()}
        for region, codes in ADDED.items()
    }

    # 1. The university lists its patents not yet screened and screens the konjac one.
    university = page_as("university")
    university.goto("/patents/")
    university.select_option("select[name=screened]", "no")
    university.fill("input[name=q]", patent.number)
    with university.expect_navigation():
        university.click("main form button[type=submit]")
    row = university.locator(f"[data-testid=patents] tr[data-number='{patent.number}']")
    expect(row).to_contain_text("未盘点")
    pool = Patent.objects.filter(owner=university_org, status="valid", converted=False)
    screened = pool.filter(screened_at__isnull=False).count()
    row.locator("[data-testid=screen]").click()
    university.select_option("select[name=tier]", "A")
    university.select_option("select[name=industry]", "06")
    university.fill("input[name=note]", "已完成中试，适合魔芋、淀粉加工企业许可实施")
    university.click("[data-testid=screen-form] button[type=submit]")
    expect(row).to_have_count(0)  # back on the list of patents not screened yet
    university.goto(f"/patents/?q={patent.number}")
    expect(row.locator("[data-testid=tier]")).to_have_text("A")
    expect(
        university.locator(f"[data-testid=coverage] tr[data-key='{university_org.pk}']")
    ).to_contain_text(f"{screened + 1} / {pool.count()}")
    shot(university, request, "1-screened")

    # 2. The enterprise posts a need; the worker matches it and the patent is suggested.
    enterprise = page_as("enterprise")
    enterprise.goto("/patents/needs/new/")
    enterprise.fill("input[name=title]", "魔芋加工废水深度处理与回用技术")
    enterprise.fill(
        "textarea[name=description]",
        "富硒魔芋精粉加工废水有机物浓度高，寻求膜过滤深度处理回用与好氧生物处理组合工艺，"
        "实现魔芋加工废水达标回用。",
    )
    enterprise.select_option("select[name=industry]", "06")
    enterprise.fill("input[name=ipc]", "C02F3/30")
    enterprise.select_option("select[name=cooperation]", "licence")
    enterprise.click("main form button[type=submit]")
    expect(enterprise.locator("[data-testid=matches]")).to_be_visible()
    suggestion = enterprise.locator(f"[data-testid=matches] tr[data-number='{patent.number}']")
    reload_until(
        enterprise,
        lambda: suggestion.count() == 1,
        lambda: f"no suggestion of {patent.number}",
        log,
    )
    expect(suggestion).to_contain_text(university_org.name)
    expect(suggestion.locator("[data-testid=why]")).to_contain_text("魔芋")
    suggestion.locator("select[name=rating]").select_option("5")
    suggestion.locator("input[name=improvements]").fill("希望提供日处理500吨规模的运行数据")
    suggestion.locator("input[name=wants_cooperation]").check()
    suggestion.locator("[data-testid=feedback-form] button[type=submit]").click()
    expect(suggestion.locator("[data-testid=feedback-given]")).to_contain_text("5/5")
    shot(enterprise, request, "2-suggested")

    # 3. The enterprise declares its category 3 project; the reviewer passes it and assigns
    # the proposed panel; the experts score (services); the reviewer approves it.
    call = open_call(today)
    enterprise.goto(f"/projects/calls/{call.pk}/")
    enterprise.click("[data-testid=apply-3]")
    expect(enterprise.locator("[data-testid=eligibility]")).to_be_visible()
    enterprise.click("[data-testid=start-draft]")
    enterprise.fill("#id_title", "富硒魔芋产业专利运营赋能项目")
    enterprise.fill(
        "#id_summary", "承接高校魔芋加工废水处理专利，开展专利导航与上市前知识产权风险评估。"
    )
    enterprise.fill("#id_requested_amount", "60")
    enterprise.fill("#id_contact_name", "王敏")
    enterprise.fill("#id_contact_phone", "0915-3210000")
    enterprise.fill("#id_patents", "\n".join(PATENTS[:10]))
    for key, _label in NARRATIVE_SECTIONS:
        enterprise.fill(f"#id_narrative_{key}", "详见申报书附件。")
    enterprise.fill("#id_kpi_transfers_in_committed", "5")
    enterprise.click("[data-testid=submit]")
    expect(enterprise.locator("[data-testid=status]")).to_have_text("已提交")
    application = Application.objects.get(
        call_category__call=call, lead_organisation=enterprise_org
    )
    assert application.call_category.category.code == 3

    reviewer = page_as("reviewer")
    reviewer.goto(f"/projects/applications/{application.pk}/")
    reviewer.click("[data-action=pass]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("形式审查通过")
    reviewer.click("[data-action=assign]")
    reviewer.click("[data-testid=propose]")
    expect(
        reviewer.locator("[data-testid=assign-form] input[type=checkbox]:checked")
    ).to_have_count(5)
    reviewer.click("[data-testid=assign]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("专家评审中")
    assignments = Assignment.objects.filter(application=application).select_related("expert")
    for assignment, total in zip(assignments.order_by("pk"), TOTALS, strict=True):
        project_services.assignment_accept(actor=assignment.expert, assignment=assignment)
        project_services.score_submit(
            actor=assignment.expert, assignment=assignment, points=points_for(application, total)
        )
    reviewer.reload()
    expect(reviewer.locator("[data-testid=status]")).to_have_text("已评分")
    expect(reviewer.locator("[data-testid=final-score]")).to_contain_text("80")
    reviewer.fill("[data-testid=approve-form] input[name=amount]", GRANT_WAN)
    reviewer.click("[data-action=approve]")
    expect(reviewer.locator("[data-testid=status]")).to_have_text("已立项")
    expect(reviewer.locator("[data-testid=approved-amount]")).to_contain_text(GRANT_WAN)
    shot(reviewer, request, "3-project-approved")

    # 4. The university records the licence to the enterprise, under the project.
    university.goto(f"/patents/{patent.pk}/")
    expect(university.locator("main")).to_contain_text("希望提供日处理500吨规模的运行数据")
    university.click("[data-testid=record-links] a[data-kind=licence]")
    university.select_option("select[name=counterparty]", str(enterprise_org.pk))
    university.select_option("select[name=licence_kind]", "ordinary")
    university.fill("input[name=amount]", str(LICENCE_YUAN))
    university.fill("input[name=starts_on]", today.isoformat())
    university.fill("input[name=ends_on]", (today + timedelta(days=3 * 365)).isoformat())
    university.select_option("select[name=project]", str(application.pk))
    university.click("[data-testid=conversion-form] button[type=submit]")
    expect(university.locator("[data-testid=events] tr[data-kind=licence]")).to_contain_text(
        enterprise_org.name
    )
    licence = Conversion.objects.get(patent=patent, kind=Conversion.Kind.LICENCE)
    assert (licence.amount, licence.counterparty, licence.project, licence.starts_on) == (
        LICENCE_YUAN, enterprise_org, application, today
    )  # fmt: skip
    shot(university, request, "4-licence-recorded")
    enterprise.goto("/patents/conversions/")
    expect(enterprise.locator("main")).to_contain_text(patent.number)

    # 5. The enterprise claims Ankang's little-giant reward; the reviewer approves and pays.
    evidence = tmp_path / "小巨人认定文件.pdf"
    evidence.write_bytes(PDF)
    enterprise.goto("/incentives/")
    enterprise.click(f"[data-testid=policy-row][data-code={REWARD_CODE}] [data-testid=claim]")
    enterprise.set_input_files(
        "[data-testid=evidence] tr[data-label='认定文件'] input[type=file]", str(evidence)
    )
    with enterprise.expect_navigation():
        enterprise.click("[data-testid=save]")
    expect(enterprise.locator("[data-testid=entitlement]")).to_have_text("200,000.00")
    with enterprise.expect_navigation():
        enterprise.click("[data-testid=submit]")
    expect(enterprise.locator("[data-testid=status]")).to_have_attribute("data-status", "submitted")
    claim = Claim.objects.get(number=enterprise.locator("[data-testid=claim-number]").inner_text())
    reviewer.goto(f"/incentives/claims/{claim.pk}/")
    with reviewer.expect_navigation():
        reviewer.click("[data-action=approve]")
    expect(reviewer.locator("[data-testid=status]")).to_have_attribute("data-status", "approved")
    reviewer.fill("[data-testid=pay-form] input[name=voucher]", f"AK-JL-{today.year}-0918")
    with reviewer.expect_navigation():
        reviewer.click("[data-action=pay]")
    expect(reviewer.locator("[data-testid=status]")).to_have_attribute("data-status", "paid")
    # In 万元, the unit in the column header.
    expect(reviewer.locator("[data-testid=paid-amount]")).to_have_text("20")
    claim.refresh_from_db()
    assert claim.paid_amount == REWARD_YUAN and claim.payments.get().paid_on == today
    shot(reviewer, request, "5-reward-paid")

    # 6. Once the worker has recomputed, the city's and the province's dashboards of the quarter
    # in progress show exactly the figures before plus what the chain added.
    city = page_as("ankang")
    open_dashboard_until(city, period, expected[ANKANG], log)
    shot(city, request, "6-city-dashboard")
    leader = page_as("leader")
    open_dashboard_until(leader, period, expected[PROVINCE], log)
    shot(leader, request, "7-province-dashboard")
    for region, figures in expected.items():
        for code, value in figures.items():
            assert stored(code, region, period) == value, (code, region)

    # 7. The leader exports the province's dashboard; the worker makes the workbook.
    with leader.expect_navigation():
        leader.click("[data-testid=export-dashboard]")
    link = leader.locator("[data-testid=export-download]")
    expect(link).to_be_visible(timeout=WORKER_DEADLINE * 1000)
    shot(leader, request, "8-export-ready")
    with leader.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    workbook = load_workbook(io.BytesIO(path.read_bytes()))
    other = workbook[OTHER_SHEET]
    # Under its title block (rows 1-2) and header (row 3), by indicator name: 指标, 单位, 地区,
    # 期间 (2025年第二季度), 数值, 计算时间.
    names = dict(Indicator.objects.values_list("code", "name"))
    exported = {
        other.cell(row=row, column=1).value: (
            other.cell(row=row, column=3).value,
            other.cell(row=row, column=4).value,
            Decimal(str(other.cell(row=row, column=5).value)),
        )
        for row in range(4, other.max_row + 1)
    }
    for code, value in expected[PROVINCE].items():
        assert exported[names[code]] == ("陕西省", formats.period_official(period), value), code
    ranking = workbook["地区排名"]
    ranked = {
        (ranking.cell(row=row, column=1).value, ranking.cell(row=row, column=4).value): Decimal(
            str(ranking.cell(row=row, column=5).value)
        )
        for row in range(4, ranking.max_row + 1)
    }
    for region, name in ((ANKANG, "安康市"), (XIAN, "西安市")):
        for code, value in expected[region].items():
            assert ranked[(names[code], name)] == value, (code, name)

    # All of it went through the broker: the worker ran the matching, the recomputes and the
    # export (nothing ran in-process).
    output = log.read_text()
    for task in ("patents.tasks.match_need", "reporting.tasks.recompute_progress",
                 "reporting.tasks.run_export"):  # fmt: skip
        assert re.search(rf"Task {re.escape(task)}\[[-0-9a-f]+\] succeeded", output), task
