"""Demo statistics, dated from the day they are loaded: the quarterly returns of every reporting
unit from 2023Q1 on, and the round the cities are reporting now.

The round in progress is the last complete quarter of the load day
(`Quarter.last_completed(today)`): five cities approved, two submitted, 延安市 has opened its
return and typed part of it, and 安康市, 铜川市, 商洛市 and 西咸新区 have not reported, so `ankang`
can fill the round in and the dashboards show who is missing. Every earlier quarter is history,
approved: the whole 2023–2025 plan period (2023Q1..2025Q4) and what followed it. Submissions and
decisions are dated 9 to 23 days after their quarter's end, never after the moment of the load.

Figures are invented but of the right size (DOMAIN.md §8: about 125,000 valid invention patents
in Shaanxi by mid-2025) and consistent with the seeded validation rules: stock figures never fall,
high-value ≤ valid invention patents, a pledge amount always has a pledge count. They depend on
the quarter, not on the load day, so a quarter reads the same whenever the demo is loaded. Ankang's
figures end 2025 a little behind its 2025 targets (安政办发〔2024〕13号 第2条), so its dashboard
has a story. Ankang's counties report too, so the dashboard drills down from province to city to
county.

Demo returns are written in bulk (one audit entry for the whole load), then progress is computed
once. Idempotent: a (region, period) that already has a return is left alone; loaded again in a
later quarter, the quarters since are added.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal import workflow as engine
from portal.demo import latest_moment
from portal.models import Region, Role, User
from portal.periods import Quarter
from portal.services import audit_record
from reporting import compute, events
from reporting.models import (
    DataElement,
    DataValue,
    DataValueHistory,
    Indicator,
    ReturnForm,
    StatReturn,
    Target,
    ValidationRule,
)
from reporting.seeds import FORM, seed_reporting
from reporting.workflow import RETURN

# The first quarter of the 2023–2025 plan period: the history starts there.
FIRST = Quarter(2023, 1)
# The quarter the start values below describe (growth counts from it, back and forth).
BASE = Quarter(2023, 2)
# The round in progress: approved, submitted, opened and partly typed (the elements below); the
# rest (Ankang among them) have not reported.
ROUND_APPROVED = ["610100", "610300", "610400", "610500", "610700"]
ROUND_SUBMITTED = ["610800", "61YL00"]
ROUND_DRAFT = {"610600": ("VALID_INVENTION", "HIGH_VALUE_INVENTION", "VALID_TRADEMARK",
                          "TRANSFER_COUNT", "TRANSFER_AMOUNT", "PLEDGE_COUNT")}  # fmt: skip

# Share of the province's figures per reporting unit.
WEIGHTS = {
    "610100": Decimal("0.45"), "610400": Decimal("0.08"), "610300": Decimal("0.08"),
    "61XX00": Decimal("0.07"), "610800": Decimal("0.05"), "610500": Decimal("0.05"),
    "610700": Decimal("0.05"), "61YL00": Decimal("0.04"), "610900": Decimal("0.03"),
    "610600": Decimal("0.03"), "611000": Decimal("0.02"), "610200": Decimal("0.02"),
}  # fmt: skip

# Province totals: (value in BASE, growth per quarter: "+n" added or "xr" factor).
STOCKS = {
    "VALID_INVENTION": (95_000, "x1.035"),
    "HIGH_VALUE_INVENTION": (26_000, "x1.04"),
    "VALID_TRADEMARK": (600_000, "x1.02"),
    "PATENT_ENTERPRISES": (18_000, "+300"),
    "FILED_ENTERPRISES": (3_000, "+1500"),
    "INDUSTRIALISED_ENTERPRISES": (40, "+10"),
    "ADVANTAGE_GIANTS": (8, "+2"),
    "UNCONVERTED_VALID": (30_000, "+500"),
    "INVENTORIED": (3_000, "+3000"),
}
FLOWS = {  # per quarter, growing 3% a quarter; amounts in 万元
    "TRANSFER_COUNT": 1_500,
    "TRANSFER_AMOUNT": 120_000,
    "OPEN_LICENCE_DEALS": 100,
    "PLEDGE_COUNT": 60,
    "PLEDGE_AMOUNT": 150_000,
    "CONTRACT_COUNT": 900,
    "CONTRACT_AMOUNT": 560_000,
    "PRODUCT_FILINGS": 300,
    "PRODUCT_OUTPUT": 2_000_000,
    "NEW_SPECIALISED": 60,
    "NEW_LITTLE_GIANT": 5,
    "NAVIGATION_PROJECTS": 6,
    "TRAININGS": 40,
}
# Ankang's own figures (the city's 2025 targets: 400 / 100 / 30000; full inventory coverage),
# each a little short of its target at the end of 2025.
ANKANG = {
    "VALID_INVENTION": (250, "+12"),
    "HIGH_VALUE_INVENTION": (55, "+4"),
    "VALID_TRADEMARK": (24_000, "+550"),
    "UNCONVERTED_VALID": (120, "+3"),
    "INVENTORIED": (10, "+12"),
}
ANKANG_COUNTIES = {  # share of Ankang's figures
    "610902": Decimal("0.40"), "610921": Decimal("0.08"), "610922": Decimal("0.06"),
    "610923": Decimal("0.03"), "610924": Decimal("0.06"), "610925": Decimal("0.05"),
    "610926": Decimal("0.07"), "610927": Decimal("0.03"), "610929": Decimal("0.05"),
    "610981": Decimal("0.17"),
}  # fmt: skip


def _stock(start: int, growth: str, step: int) -> Decimal:
    """The stock `step` quarters after BASE (before it when negative); never below zero."""
    if growth.startswith("+"):
        return Decimal(max(start + int(growth[1:]) * step, 0))
    return Decimal(start) * Decimal(growth[1:]) ** step


def figures_for(unit: str, quarter: Quarter) -> dict[str, Decimal]:
    """What the demo has a reporting unit report for `quarter`: the same whatever the day the
    demo is loaded (tests fill the round with them)."""
    step = (quarter.year - BASE.year) * 4 + quarter.quarter - BASE.quarter
    rng = random.Random(f"demo-{unit}-{quarter}")  # noqa: S311  (invented figures, not security)
    weight = WEIGHTS[unit]
    values: dict[str, Decimal] = {}
    for code, (start, growth) in STOCKS.items():
        values[code] = (_stock(start, growth, step) * weight).to_integral_value()
    for code, base in FLOWS.items():
        amount = Decimal(base) * Decimal("1.03") ** step * weight
        amount *= Decimal(rng.uniform(0.85, 1.15)).quantize(Decimal("0.001"))
        values[code] = (
            amount.quantize(Decimal("0.01")) if code.endswith("AMOUNT") or code == "PRODUCT_OUTPUT"
            else amount.to_integral_value()
        )  # fmt: skip
    if unit == "610900":
        for code, (start, growth) in ANKANG.items():
            values[code] = _stock(start, growth, step)
    values["HIGH_VALUE_INVENTION"] = min(values["HIGH_VALUE_INVENTION"], values["VALID_INVENTION"])
    values["FILED_ENTERPRISES"] = min(values["FILED_ENTERPRISES"], values["PATENT_ENTERPRISES"])
    # Inventory coverage reaches 100% and stays there.
    values["INVENTORIED"] = min(values["INVENTORIED"], values["UNCONVERTED_VALID"])
    if values["PLEDGE_COUNT"] == 0:
        values["PLEDGE_AMOUNT"] = Decimal(0)
    return values


def _county(values: dict[str, Decimal], share: Decimal) -> dict[str, Decimal]:
    result = {}
    for code, value in values.items():
        scaled = value * share
        result[code] = (
            scaled.quantize(Decimal("0.01")) if code.endswith("AMOUNT") or code == "PRODUCT_OUTPUT"
            else scaled.to_integral_value()
        )  # fmt: skip
    result["HIGH_VALUE_INVENTION"] = min(result["HIGH_VALUE_INVENTION"], result["VALID_INVENTION"])
    result["FILED_ENTERPRISES"] = min(result["FILED_ENTERPRISES"], result["PATENT_ENTERPRISES"])
    if result["PLEDGE_COUNT"] == 0:
        result["PLEDGE_AMOUNT"] = Decimal(0)
    return result


def _at(quarter: Quarter, days: int, latest: datetime) -> datetime:
    """10:00 on the `days`-th day after the quarter's end, or the moment of the load when that
    comes first (a round that ended days ago)."""
    day = quarter.end + timedelta(days=days)
    return min(timezone.make_aware(datetime.combine(day, time(10, 0))), latest)


def current_round(today: date) -> Quarter:
    """The quarter the cities are reporting on `today`: the demo's round in progress."""
    return Quarter.last_completed(today)


def _plan(round_: Quarter) -> list[tuple[str, Quarter, dict[str, Decimal], str]]:
    """(region code, quarter, figures, status) of every demo return up to the round."""
    plan: list[tuple[str, Quarter, dict[str, Decimal], str]] = []
    for unit in WEIGHTS:
        for quarter in Quarter.span(FIRST, round_):
            figures = figures_for(unit, quarter)
            status = StatReturn.Status.APPROVED
            if quarter == round_:
                if unit in ROUND_SUBMITTED:
                    status = StatReturn.Status.SUBMITTED
                elif unit in ROUND_DRAFT:
                    status = StatReturn.Status.DRAFT
                    figures = {code: figures[code] for code in ROUND_DRAFT[unit]}
                elif unit not in ROUND_APPROVED:
                    continue
            plan.append((unit, quarter, figures, status))
            if unit == "610900" and quarter < round_:
                for county, share in ANKANG_COUNTIES.items():
                    plan.append((county, quarter, _county(figures, share), status))
    return plan


@transaction.atomic
def load(*, today: date | None = None) -> int:
    """Create the demo returns that are missing, as of `today` (default: today), and compute
    progress; return the rows created."""
    today = today or timezone.localdate()
    latest = latest_moment(today)
    seed_reporting(DataElement, ReturnForm, ValidationRule, Indicator, Target, Region)
    form = ReturnForm.objects.get(code=FORM["code"])
    elements = {e.code: e for e in form.elements.all()}
    regions = {r.code: r for r in Region.objects.all()}
    agency = User.objects.filter(role=Role.CITY_AGENCY, region__code="610900").first()
    reviewer = User.objects.filter(role=Role.REVIEWER).first()
    existing = set(StatReturn.objects.filter(form=form).values_list("region__code", "period"))
    approved, draft = StatReturn.Status.APPROVED, StatReturn.Status.DRAFT
    returns: list[tuple[StatReturn, dict[str, Decimal], datetime]] = []
    for code, quarter, figures, status in _plan(current_round(today)):
        if (code, str(quarter)) in existing or code not in regions:
            continue
        late = 20 if code in ("610200", "611000") and quarter.quarter == 4 else 9
        submitted_at = _at(quarter, late, latest)
        by = agency if code.startswith("6109") else None
        stat_return = StatReturn(
            form=form,
            region=regions[code],
            period=str(quarter),
            status=status,
            created_by=by,
            submitted_at=None if status == draft else submitted_at,
            submitted_by=None if status == draft else by,
            decided_at=_at(quarter, late + 3, latest) if status == approved else None,
            decided_by=reviewer if status == approved else None,
            snapshot=(
                {c: {"value": f"{v:f}", "comment": ""} for c, v in figures.items()}
                if status == approved
                else None
            ),
        )
        # A draft's figures were typed when it was opened, a few days after the quarter.
        typed_at = _at(quarter, 5, latest) if status == draft else submitted_at
        returns.append((stat_return, figures, typed_at))
    StatReturn.objects.bulk_create([row for row, _figures, _at in returns], batch_size=500)
    values, history = [], []
    # Their history, as the workflow would have written it then (portal/workflow.py).
    steps: list[tuple[StatReturn, str, User | None, object, str]] = []
    for stat_return, figures, typed_at in returns:
        if stat_return.status != draft:
            steps.append((stat_return, "submit", stat_return.submitted_by, typed_at, ""))
        if stat_return.status == approved:
            steps.append((stat_return, "approve", reviewer, stat_return.decided_at, ""))
        for element_code, value in figures.items():
            element = elements[element_code]
            values.append(
                DataValue(
                    element=element,
                    period=stat_return.period,
                    region=stat_return.region,
                    value=value,
                    stat_return=stat_return,
                    updated_at=typed_at,
                    updated_by=stat_return.submitted_by,
                )
            )
            history.append(
                DataValueHistory(
                    element=element,
                    period=stat_return.period,
                    region=stat_return.region,
                    previous_value=None,
                    value=value,
                    stat_return=stat_return,
                    changed_at=typed_at,
                    changed_by=stat_return.submitted_by,
                    via="demo",
                )
            )
    DataValue.objects.bulk_create(values, batch_size=2000)
    DataValueHistory.objects.bulk_create(history, batch_size=2000)
    engine.backfill(RETURN, steps)
    created = len(returns)
    if created:
        audit_record(
            actor=None,
            actor_label="load_demo",
            event=events.DEMO_REPORTING,
            after={"returns": created, "values": len(values)},
        )
        compute.recompute()
    return created + len(values)
