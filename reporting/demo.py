"""Demo statistics: two years of quarterly returns for every reporting unit, and a 2025Q2 round
in progress (some approved, some submitted, Ankang and four others not yet reported).

Figures are invented but of the right size (DOMAIN.md §8: about 125,000 valid invention patents
in Shaanxi by mid-2025) and consistent with the seeded validation rules: stock figures never fall,
high-value ≤ valid invention patents, a pledge amount always has a pledge count. Ankang's figures
sit a little behind its 2025 targets (安政办发〔2024〕13号 第2条), so its dashboard has a story.
Ankang's counties report too, so the dashboard drills down from province to city to county.

Demo returns are written in bulk (one audit entry for the whole load), then progress is computed
once. Idempotent: a (region, period) that already has a return is left alone.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal import workflow as engine
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

FIRST = Quarter(2023, 2)
LAST_FULL = Quarter(2025, 1)
ROUND = Quarter(2025, 2)
# 2025Q2 so far: approved, submitted; the rest (Ankang among them) have not reported.
ROUND_APPROVED = ["610100", "610300", "610400", "610500", "610700"]
ROUND_SUBMITTED = ["610800", "61YL00"]

# Share of the province's figures per reporting unit.
WEIGHTS = {
    "610100": Decimal("0.45"), "610400": Decimal("0.08"), "610300": Decimal("0.08"),
    "61XX00": Decimal("0.07"), "610800": Decimal("0.05"), "610500": Decimal("0.05"),
    "610700": Decimal("0.05"), "61YL00": Decimal("0.04"), "610900": Decimal("0.03"),
    "610600": Decimal("0.03"), "611000": Decimal("0.02"), "610200": Decimal("0.02"),
}  # fmt: skip

# Province totals: (value in the first quarter, growth per quarter: "+n" added or "xr" factor).
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
# Ankang's own figures (the city's 2025 targets: 400 / 100 / 30000; full inventory coverage).
ANKANG = {
    "VALID_INVENTION": (250, "+12"),
    "HIGH_VALUE_INVENTION": (55, "+4"),
    "VALID_TRADEMARK": (24_000, "+600"),
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
    if growth.startswith("+"):
        return Decimal(start + int(growth[1:]) * step)
    return Decimal(start) * Decimal(growth[1:]) ** step


def _figures(unit: str, step: int, rng: random.Random) -> dict[str, Decimal]:
    """One unit's figures for the step-th quarter since FIRST."""
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


def _at(quarter: Quarter, days: int):
    day = quarter.end + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


@transaction.atomic
def load() -> int:
    """Create the demo returns that are missing and compute progress; return rows created."""
    seed_reporting(DataElement, ReturnForm, ValidationRule, Indicator, Target, Region)
    form = ReturnForm.objects.get(code=FORM["code"])
    elements = {e.code: e for e in form.elements.all()}
    regions = {r.code: r for r in Region.objects.all()}
    agency = User.objects.filter(role=Role.CITY_AGENCY, region__code="610900").first()
    reviewer = User.objects.filter(role=Role.REVIEWER).first()
    existing = set(StatReturn.objects.filter(form=form).values_list("region__code", "period"))
    plan: list[tuple[str, Quarter, dict[str, Decimal], StatReturn.Status]] = []
    quarters = Quarter.span(FIRST, ROUND)
    for unit in WEIGHTS:
        rng = random.Random(f"demo-{unit}")  # noqa: S311  (invented figures, not security)
        for step, quarter in enumerate(quarters):
            figures = _figures(unit, step, rng)
            if quarter == ROUND:
                if unit in ROUND_APPROVED:
                    status = StatReturn.Status.APPROVED
                elif unit in ROUND_SUBMITTED:
                    status = StatReturn.Status.SUBMITTED
                else:
                    continue
            else:
                status = StatReturn.Status.APPROVED
            plan.append((unit, quarter, figures, status))
            if unit == "610900" and quarter <= LAST_FULL:
                for county, share in ANKANG_COUNTIES.items():
                    plan.append((county, quarter, _county(figures, share), status))
    created = 0
    values, history = [], []
    steps: list[tuple[StatReturn, str, User | None, object, str]] = []
    for code, quarter, figures, status in plan:
        if (code, str(quarter)) in existing or code not in regions:
            continue
        late = 20 if code in ("610200", "611000") and quarter.quarter == 4 else 9
        submitted_at = _at(quarter, late)
        stat_return = StatReturn.objects.create(
            form=form,
            region=regions[code],
            period=str(quarter),
            status=status,
            created_by=agency if code.startswith("6109") else None,
            submitted_at=submitted_at,
            submitted_by=agency if code.startswith("6109") else None,
            decided_at=_at(quarter, late + 3) if status == StatReturn.Status.APPROVED else None,
            decided_by=reviewer if status == StatReturn.Status.APPROVED else None,
            snapshot=(
                {c: {"value": f"{v:f}", "comment": ""} for c, v in figures.items()}
                if status == StatReturn.Status.APPROVED
                else None
            ),
        )
        created += 1
        # Its history, as the workflow would have written it then (portal/workflow.py).
        steps.append((stat_return, "submit", stat_return.submitted_by, submitted_at, ""))
        if status == StatReturn.Status.APPROVED:
            steps.append((stat_return, "approve", reviewer, stat_return.decided_at, ""))
        for element_code, value in figures.items():
            element = elements[element_code]
            values.append(
                DataValue(
                    element=element,
                    period=str(quarter),
                    region=regions[code],
                    value=value,
                    stat_return=stat_return,
                    updated_at=submitted_at,
                    updated_by=stat_return.submitted_by,
                )
            )
            history.append(
                DataValueHistory(
                    element=element,
                    period=str(quarter),
                    region=regions[code],
                    previous_value=None,
                    value=value,
                    stat_return=stat_return,
                    changed_at=submitted_at,
                    changed_by=stat_return.submitted_by,
                    via="demo",
                )
            )
    DataValue.objects.bulk_create(values, batch_size=2000)
    DataValueHistory.objects.bulk_create(history, batch_size=2000)
    engine.backfill(RETURN, steps)
    if created:
        audit_record(
            actor=None,
            actor_label="load_demo",
            event=events.DEMO_REPORTING,
            after={"returns": created, "values": len(values)},
        )
        compute.recompute()
    return created + len(values)
