"""The progress engine on hand-computed cases: roll-up, year to date, ratios, expected-by-now,
projection, status; incremental and idempotent recomputation; reminders."""

from datetime import date
from decimal import Decimal

import pytest

from portal.models import Notification, Region
from reporting import compute, services
from reporting.factories import StatReturnFactory
from reporting.models import (
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    Reminder,
    ReturnForm,
    StatReturn,
    Target,
)

pytestmark = pytest.mark.django_db


def approved(form: ReturnForm, region_code: str, period: str, **values) -> StatReturn:
    """An approved return holding `values` (only approved figures count)."""
    return StatReturnFactory(
        form=form, region=Region.objects.get(code=region_code), period=period, values=values
    )


def value(indicator: str, region: str, period: str) -> Decimal:
    return IndicatorValue.objects.get(
        indicator__code=indicator, region__code=region, period=period
    ).value


def snapshot(indicator: str, region: str, period: str) -> ProgressSnapshot:
    return ProgressSnapshot.objects.get(
        target__indicator__code=indicator, target__region__code=region, period=period
    )


def test_stock_keeps_the_latest_value_and_the_province_sums_its_units(form):
    approved(form, "610900", "2025Q1", VALID_INVENTION=300)
    approved(form, "610100", "2025Q1", VALID_INVENTION=5000)
    approved(form, "610100", "2025Q2", VALID_INVENTION=5100)  # Ankang has not reported Q2
    compute.recompute()
    assert value("VALID_INVENTION", "610900", "2025Q2") == 300  # carried forward
    assert value("VALID_INVENTION", "610000", "2025Q1") == 5300
    assert value("VALID_INVENTION", "610000", "2025Q2") == 5400


def test_flow_is_summed_over_the_year_to_date_and_scaled(form):
    approved(form, "610100", "2024Q4", CONTRACT_AMOUNT=900_000)
    approved(form, "610100", "2025Q1", CONTRACT_AMOUNT=500_000)
    approved(form, "610100", "2025Q2", CONTRACT_AMOUNT=700_000)
    compute.recompute()
    # 万元 shown in 亿元: × 0.0001. The new year starts from zero.
    assert value("CONTRACT_TURNOVER", "610100", "2025Q1") == Decimal(50)
    assert value("CONTRACT_TURNOVER", "610100", "2025Q2") == Decimal(120)
    row = IndicatorValue.objects.get(
        indicator__code="CONTRACT_TURNOVER", region__code="610100", period="2025Q2"
    )
    assert row.quarter_value == Decimal(70)


def test_ratio_is_computed_from_summed_parts_never_averaged(form):
    approved(form, "610100", "2025Q1", INVENTORIED=90, UNCONVERTED_VALID=100)
    approved(form, "610900", "2025Q1", INVENTORIED=10, UNCONVERTED_VALID=100)
    compute.recompute()
    assert value("INVENTORY_COVERAGE", "610100", "2025Q1") == Decimal(90)
    assert value("INVENTORY_COVERAGE", "610900", "2025Q1") == Decimal(10)
    # (90 + 10) / (100 + 100), not the mean of 90% and 10% weighted otherwise.
    assert value("INVENTORY_COVERAGE", "610000", "2025Q1") == Decimal(50)


def test_ankang_valid_inventions_against_400_hand_computed(form, settings):
    """Target 400 by 2025-12-31 (安政办发〔2024〕13号 第2条); baseline: the data at 2024-09-30."""
    settings.REPORTING_ON_TRACK_RATIO = 0.95
    settings.REPORTING_AT_RISK_RATIO = 0.80
    for period, count in [("2024Q3", 300), ("2024Q4", 310), ("2025Q1", 330), ("2025Q2", 350)]:
        approved(form, "610900", period, VALID_INVENTION=count)
    compute.recompute()
    snap = snapshot("VALID_INVENTION", "610900", "2025Q2")

    # Expected by 2025-06-30 on the straight line from (2024-09-30, 300) to (2025-12-31, 400):
    # 273 of 457 days have passed.
    expected = Decimal(300) + Decimal(100) * Decimal(273) / Decimal(457)
    assert snap.expected == expected.quantize(Decimal("0.0001"))
    assert snap.actual == 350 and snap.percent == Decimal("87.50")
    # Least squares through the four quarter ends (x in days from 2024-09-30):
    xs = [0, 92, 182, 273]
    ys = [300, 310, 330, 350]
    n = 4
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    projected = mean_y + slope * (457 - mean_x)
    assert float(snap.projection) == pytest.approx(projected, abs=0.001)
    # 350 / 359.74 = 0.973 ≥ 0.95: on track.
    assert snap.status == ProgressSnapshot.Status.ON_TRACK
    assert snap.explanation["baseline_from"] == "2024Q3"


@pytest.mark.parametrize(
    ("actual", "status"),
    [
        (359, ProgressSnapshot.Status.ON_TRACK),  # 0.998 of expected
        (330, ProgressSnapshot.Status.AT_RISK),  # 0.917
        (300, ProgressSnapshot.Status.BEHIND),  # 0.834 with on_track at 0.95, at_risk at 0.9
    ],
)
def test_status_thresholds_come_from_settings(form, settings, actual, status):
    settings.REPORTING_ON_TRACK_RATIO = 0.95
    settings.REPORTING_AT_RISK_RATIO = 0.90
    approved(form, "610900", "2024Q3", VALID_INVENTION=300)
    approved(form, "610900", "2025Q2", VALID_INVENTION=actual)
    compute.recompute()
    snap = snapshot("VALID_INVENTION", "610900", "2025Q2")
    assert snap.status == status


def test_flow_projection_uses_the_mean_quarterly_flow(form):
    """Shaanxi's 300亿元 of 2025 (陕政办发〔2024〕11号 (一)): 60 + 70 in the first half, mean
    of the last quarters 65 → 130 + 65 × 2 = 260 by the end of the year."""
    approved(form, "610100", "2025Q1", CONTRACT_AMOUNT=600_000)
    approved(form, "610100", "2025Q2", CONTRACT_AMOUNT=700_000)
    compute.recompute()
    snap = snapshot("CONTRACT_TURNOVER", "610000", "2025Q2")
    assert snap.actual == Decimal(130)
    assert snap.projection == Decimal(260)
    # Baseline 0 on 2024-12-31: by 2025-06-30 (181 of 365 days) 300 × 181 / 365 is expected.
    assert snap.expected == (Decimal(300) * 181 / 365).quantize(Decimal("0.0001"))


def test_a_correction_in_progress_does_not_move_the_dashboard(ankang, reviewer, form):
    first = approved(form, "610900", "2025Q1", VALID_INVENTION=330)
    compute.recompute()
    services.return_correct(actor=ankang, stat_return=first, reason="口径更正")
    compute.recompute()
    assert value("VALID_INVENTION", "610900", "2025Q1") == 330


def test_recompute_is_idempotent_and_incremental(form):
    approved(form, "610900", "2025Q1", VALID_INVENTION=330)
    approved(form, "610100", "2025Q1", VALID_INVENTION=5000)
    compute.recompute()
    rows = sorted(
        IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")
    )
    compute.recompute()
    again = sorted(
        IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")
    )
    assert rows == again
    xian_before = IndicatorValue.objects.get(
        indicator__code="VALID_INVENTION", region__code="610100", period="2025Q1"
    )
    approved(form, "610900", "2025Q2", VALID_INVENTION=350)
    ankang = Region.objects.get(code="610900")
    result = compute.recompute(region_ids=[ankang.pk], since="2025Q2")
    assert result.periods[0] == "2025Q2"
    assert value("VALID_INVENTION", "610900", "2025Q2") == 350
    assert value("VALID_INVENTION", "610000", "2025Q2") == 5350  # the province was recomputed
    # Xi'an was not touched (its 2025Q1 row is the same row, same time).
    xian_after = IndicatorValue.objects.get(pk=xian_before.pk)
    assert xian_after.computed_at == xian_before.computed_at


def test_approval_recomputes_after_commit(
    ankang, reviewer, form, django_capture_on_commit_callbacks
):
    ret = services.return_open(
        actor=ankang, form=form, region=Region.objects.get(code="610900"), period="2025Q2"
    )
    from reporting.tests.helpers import store_all

    store_all(ankang, ret)
    services.return_submit(actor=ankang, stat_return=ret)
    assert not IndicatorValue.objects.filter(period="2025Q2", region=ret.region).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_approve(actor=reviewer, stat_return=ret)
    assert value("VALID_INVENTION", "610900", "2025Q2") == 352
    assert snapshot("VALID_INVENTION", "610900", "2025Q2").actual == 352


def test_a_new_target_gets_its_progress(leader, form, django_capture_on_commit_callbacks):
    approved(form, "610100", "2025Q1", VALID_INVENTION=5000)
    compute.recompute()
    with django_capture_on_commit_callbacks(execute=True):
        target = services.target_save(
            actor=leader,
            data={
                "indicator": Indicator.objects.get(code="VALID_INVENTION"),
                "region": Region.objects.get(code="610100"),
                "deadline": date(2026, 12, 31),
                "target_value": Decimal(6000),
                "baseline_value": Decimal(4000),
                "baseline_date": date(2024, 12, 31),
                "source": "测试目标",
            },
        )
    snap = ProgressSnapshot.objects.get(target=target, period="2025Q1")
    assert snap.actual == 5000 and snap.percent == Decimal("83.33")


def test_a_projects_acceptance_feeds_the_portal_indicator(form):
    """An accepted project counts in PROJECTS_ACCEPTED for its lead organisation's region."""
    from django.utils import timezone

    from projects import factories as pf

    approved(form, "610900", "2025Q1", VALID_INVENTION=1)
    application = pf.submitted(pf.open_call(pf.reviewer()), 3)
    application.history.create(
        workflow="projects.application",
        action="accept",
        to_state="accepted",
        at=timezone.make_aware(timezone.datetime(2025, 2, 1)),
    )
    compute.recompute()
    region = application.lead_organisation.region
    assert value("PROJECTS_ACCEPTED", region.code, "2025Q1") == 1
    assert value("PROJECTS_ACCEPTED", "610000", "2025Q1") == 1


def test_reminders_before_and_after_the_due_date_once_each(ankang, form):
    # 2025Q2 is due on 2025-07-15 (15 days after the quarter).
    assert services.reminders_send(today=date(2025, 7, 1)) == 0  # too early
    sent = services.reminders_send(today=date(2025, 7, 12))
    assert sent == form.regions.count()
    assert services.reminders_send(today=date(2025, 7, 13)) == 0  # once
    assert (
        Notification.objects.filter(recipient=ankang, event="reporting.reminder.due_soon").count()
        == 1
    )
    services.reminders_send(today=date(2025, 7, 20))
    assert (
        Notification.objects.filter(recipient=ankang, event="reporting.reminder.overdue").count()
        == 1
    )
    assert Reminder.objects.filter(period="2025Q2").count() == 2 * form.regions.count()


def test_a_region_that_submitted_is_not_reminded(ankang, form):
    StatReturnFactory(form=form, status=StatReturn.Status.SUBMITTED)  # Ankang, 2025Q2
    services.reminders_send(today=date(2025, 7, 12))
    assert not Notification.objects.filter(recipient=ankang).exists()


def test_targets_are_seeded_with_their_sources(form):
    ankang = Target.objects.get(indicator__code="VALID_INVENTION", region__code="610900")
    assert ankang.target_value == 400 and "安政办发〔2024〕13号 第2条" in ankang.source
    shaanxi = Target.objects.get(indicator__code="CONTRACT_TURNOVER", region__code="610000")
    assert shaanxi.target_value == 300 and "陕政办发〔2024〕11号 (一)" in shaanxi.source
    national = Target.objects.get(indicator__code="CONTRACT_TURNOVER", region__isnull=True)
    assert national.target_value == 8000


def test_the_recompute_command(form):
    import io

    from django.core.management import call_command

    approved(form, "610900", "2025Q1", VALID_INVENTION=330)
    out = io.StringIO()
    call_command("recompute_progress", "--region", "610900", "--since", "2025Q1", stdout=out)
    assert "progress snapshots written" in out.getvalue()
    assert value("VALID_INVENTION", "610900", "2025Q1") == 330


def test_the_patent_pool_feeds_the_inventory_coverage(form, django_capture_on_commit_callbacks):
    """Screened / unconverted valid patents of the pool, by region, as the quarter ends; a
    screening recomputes it (the audited event reaches the reporting app after commit)."""
    from django.utils import timezone

    from patents import services as patent_services
    from patents.models import Patent
    from portal.factories import ApplicantFactory, OrganisationFactory
    from portal.models import Organisation

    staff = ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )
    patents = [
        Patent.objects.create(
            number=f"20211{n:07d}.0",
            title=f"专利{n}",
            kind=Patent.Kind.INVENTION,
            status=Patent.Status.VALID,
            filed_on=date(2021, 1, 1),
            owner=staff.organisation,
        )
        for n in range(4)
    ]
    approved(form, "610100", "2025Q1", VALID_INVENTION=1)  # gives the engine its quarters
    with django_capture_on_commit_callbacks(execute=True):
        patent_services.patent_screen(actor=staff, patent=patents[0], tier="A", industry="01")
    # The screening's audited event recomputed the indicator after commit.
    assert IndicatorValue.objects.filter(indicator__code="POOL_COVERAGE").exists()
    # Screened in May 2025: counted from 2025Q2 on, not in 2025Q1.
    Patent.objects.filter(pk=patents[0].pk).update(
        screened_at=timezone.make_aware(timezone.datetime(2025, 5, 1))
    )
    compute.recompute(sources=["patents.inventory_coverage"])
    assert value("POOL_COVERAGE", "610100", "2025Q1") == 0
    assert value("POOL_COVERAGE", "610100", "2025Q2") == 25
    assert value("POOL_COVERAGE", "610000", "2025Q2") == 25


def test_conversions_recorded_in_the_pool_feed_the_amount_indicators(
    form, django_capture_on_commit_callbacks
):
    """A licence and a pledge recorded on a pool patent add up, cumulatively and in 万元, at the
    owner's city and the province, from the quarter of their date; recording recomputes."""
    from patents import services as patent_services
    from patents.models import Conversion, Patent
    from portal.factories import ApplicantFactory, OrganisationFactory
    from portal.models import Organisation

    staff = ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )
    patent = Patent.objects.create(
        number="202110182616.5", title="专利", kind=Patent.Kind.INVENTION,
        status=Patent.Status.VALID, filed_on=date(2021, 2, 19), granted_on=date(2023, 6, 2),
        owner=staff.organisation,
    )  # fmt: skip
    approved(form, "610100", "2025Q1", VALID_INVENTION=1)
    approved(form, "610100", "2025Q2", VALID_INVENTION=1)
    with django_capture_on_commit_callbacks(execute=True):
        patent_services.conversion_record(
            actor=staff, patent=patent, kind=Conversion.Kind.LICENCE,
            data={"counterparty_name": "陕西某公司", "licence_kind": "ordinary",
                  "amount": Decimal("1500000"), "starts_on": date(2025, 5, 10)},
        )  # fmt: skip
    assert value("POOL_CONVERSION_AMOUNT", "610100", "2025Q2") == 150
    assert value("POOL_CONVERSION_AMOUNT", "610000", "2025Q2") == 150
    assert not IndicatorValue.objects.filter(
        indicator__code="POOL_CONVERSION_AMOUNT", period="2025Q1"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        patent_services.conversion_record(
            actor=staff, patent=patent, kind=Conversion.Kind.PLEDGE,
            data={"counterparty_name": "西安银行", "amount": Decimal("8000000"),
                  "starts_on": date(2025, 2, 1), "ends_on": date(2026, 1, 31)},
        )  # fmt: skip
    assert value("POOL_PLEDGE_AMOUNT", "610100", "2025Q1") == 800
    assert value("POOL_PLEDGE_AMOUNT", "610000", "2025Q2") == 800


def test_incentive_payments_feed_the_paid_indicator(form, django_capture_on_commit_callbacks):
    """Payments of incentive claims add up, cumulatively and in 万元, at the claiming
    organisation's county, city and the province, from the quarter of the payment date;
    recording a payment recomputes."""
    from datetime import datetime

    from django.utils import timezone

    from incentives import services as incentive_services
    from incentives.models import Claim, Policy
    from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
    from portal.models import Role

    indicator = Indicator.objects.get(code="INCENTIVES_PAID")
    assert (indicator.name, indicator.unit) == ("奖补资金已兑付累计", "万元")
    assert indicator.group == "政策兑现"
    reviewer = UserFactory(role=Role.REVIEWER)
    decided = datetime(2025, 1, 10, 10, 0, tzinfo=timezone.get_current_timezone())

    def approved_claim(region: str, amount: int) -> Claim:
        applicant = ApplicantFactory(
            organisation=OrganisationFactory(region=Region.objects.get(code=region))
        )
        return Claim.objects.create(
            number=f"JL2025-{Claim.objects.count() + 1:05d}",
            policy=Policy.objects.get(code="navigation-project"),
            organisation=applicant.organisation, created_by=applicant, status="approved",
            requested_amount=amount, entitlement=amount, approved_amount=amount,
            budget_year=2025, decided_by=reviewer, decided_at=decided,
        )  # fmt: skip

    hanbin, xian = approved_claim("610902", 300_000), approved_claim("610100", 200_000)
    approved(form, "610100", "2025Q1", VALID_INVENTION=1)
    with django_capture_on_commit_callbacks(execute=True):
        incentive_services.claim_pay(actor=reviewer, claim=hanbin, paid_on=date(2025, 5, 10),
                                     amount=Decimal(300_000), voucher="PZ-1")  # fmt: skip
    assert value("INCENTIVES_PAID", "610902", "2025Q2") == 30
    assert value("INCENTIVES_PAID", "610900", "2025Q2") == 30  # the county counts in its city
    assert value("INCENTIVES_PAID", "610000", "2025Q3") == 30  # cumulative
    assert not IndicatorValue.objects.filter(
        indicator__code="INCENTIVES_PAID", period="2025Q1"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        incentive_services.claim_pay(actor=reviewer, claim=xian, paid_on=date(2025, 8, 1),
                                     amount=Decimal(150_000), voucher="PZ-2")  # fmt: skip
    assert value("INCENTIVES_PAID", "610100", "2025Q3") == 15
    assert value("INCENTIVES_PAID", "610000", "2025Q2") == 30
    assert value("INCENTIVES_PAID", "610000", "2025Q3") == 45


def test_portal_figures_run_to_date_in_the_quarter_in_progress(
    form, django_capture_on_commit_callbacks
):
    """A licence recorded today counts in the quarter in progress once the recompute has run,
    both at the owner's region (POOL_CONVERSION_AMOUNT) and at the licensee's
    (POOL_UPTAKE_AMOUNT): a city sees what its enterprises took up from a university elsewhere.
    A party typed by name only counts for the owner."""
    from django.utils import timezone

    from patents import services as patent_services
    from patents.models import Conversion, Patent
    from portal.factories import ApplicantFactory, OrganisationFactory
    from portal.models import Organisation
    from portal.periods import Quarter

    staff = ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )
    licensee = OrganisationFactory(
        kind=Organisation.Kind.ENTERPRISE, region=Region.objects.get(code="610902")
    )
    patents = [
        Patent.objects.create(
            number=number, title="专利", kind=Patent.Kind.INVENTION, status=Patent.Status.VALID,
            filed_on=date(2021, 2, 19), granted_on=date(2023, 6, 2), owner=staff.organisation,
        )
        for number in ("202110182616.5", "202311397827.6")
    ]  # fmt: skip
    approved(form, "610100", "2025Q1", VALID_INVENTION=1)  # statistics end in 2025Q1
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        patent_services.conversion_record(
            actor=staff, patent=patents[0], kind=Conversion.Kind.LICENCE,
            data={"counterparty": licensee, "licence_kind": "ordinary",
                  "amount": Decimal("1234500"), "starts_on": today},
        )  # fmt: skip
        patent_services.conversion_record(
            actor=staff, patent=patents[1], kind=Conversion.Kind.TRANSFER,
            data={"counterparty_name": "外省某公司", "amount": Decimal("100000"),
                  "starts_on": today},
        )  # fmt: skip
    now = str(Quarter.containing(today))
    assert value("POOL_CONVERSION_AMOUNT", "610100", now) == Decimal("133.45")
    assert value("POOL_CONVERSION_AMOUNT", "610000", now) == Decimal("133.45")
    assert value("POOL_UPTAKE_AMOUNT", "610902", now) == Decimal("123.45")
    assert value("POOL_UPTAKE_AMOUNT", "610900", now) == Decimal("123.45")
    assert value("POOL_UPTAKE_AMOUNT", "610000", now) == Decimal("123.45")
    assert not IndicatorValue.objects.filter(
        indicator__code="POOL_UPTAKE_AMOUNT", region__code="610100"
    ).exists()
    # Dated today: nothing in the quarter before; statistics still end where they were reported.
    before = str(Quarter.containing(today).previous())
    assert not IndicatorValue.objects.filter(
        indicator__code__in=["POOL_CONVERSION_AMOUNT", "POOL_UPTAKE_AMOUNT"], period=before
    ).exists()
    assert not IndicatorValue.objects.filter(indicator__code="VALID_INVENTION", period=now).exists()


def test_a_projects_approval_feeds_the_approved_indicator(form, django_capture_on_commit_callbacks):
    """An approved project (立项) counts in PROJECTS_APPROVED for its lead organisation's county,
    city and the province from the day of the decision; approving recomputes."""
    from django.utils import timezone

    from portal.periods import Quarter
    from projects import factories as pf
    from projects import services as project_services

    approved(form, "610900", "2025Q1", VALID_INVENTION=1)
    reviewer = pf.reviewer()
    application = pf.scored(pf.open_call(reviewer), [80, 80, 80, 80, 80], actor=reviewer)
    assert application.lead_organisation.region.code == "610902"
    with django_capture_on_commit_callbacks(execute=True):
        project_services.application_approve(
            actor=reviewer, application=application, amount=40 * pf.WAN
        )
    now = Quarter.containing(timezone.localdate())
    for code in ("610902", "610900", "610000"):
        assert value("PROJECTS_APPROVED", code, str(now)) == 1
    assert not IndicatorValue.objects.filter(
        indicator__code="PROJECTS_APPROVED", period=str(now.previous())
    ).exists()
    assert not IndicatorValue.objects.filter(indicator__code="PROJECTS_ACCEPTED").exists()
