"""Benchmark dataset, reporting part: 8 years of approved quarterly returns for every unit.

Every reporting unit (`base.units()`: the 12 cities and units, and the counties) has returned the
seeded quarterly form (`QUARTERLY`, every data element it asks for) for each of the 32 quarters
up to the last one ended, each approved by the bureau, so the dashboards have full history and
progress against the seeded targets. The rows are what the portal itself stores for a return
entered on the web form, submitted by the city's agency and approved by a reviewer: the return
version with the approved values in its `snapshot` (formatted as `return_approve` formats them),
one current `DataValue` per cell pointing at the return, and one `DataValueHistory` row per cell.
Only the services' one-return-at-a-time path is bypassed (bulk inserts instead), not its rules:
the figures satisfy every seeded validation rule (stocks never fall, high-value ≤ valid
inventions, filed ≤ patent enterprises, inventoried ≤ unconverted, a pledge amount has a pledge
count, integers are whole), which `check_rules` verifies with the portal's own check.

Figures are of the right size for Shaanxi (DOMAIN.md §8), grow steadily (stocks) or vary by
quarter (flows), and each city's counties share the city's figures, so the counties add up to
about their city. Progress is computed once at the end with the portal's full recompute (the
portal's own figures, from patents, projects and incentives, count once those parts exist: run
`compute.recompute()` again after them; the full-recompute benchmark, bench/reporting.py, does).
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from bench.data import users
from bench.data.base import Scale, part, units
from bench.data.timestamps import as_given

PART = "reporting"

# Province stocks in the first of the 32 quarters: (value, growth per quarter, "+n" or "xr").
STOCKS = {
    "VALID_INVENTION": (45_000, "x1.025"),
    "HIGH_VALUE_INVENTION": (11_000, "x1.03"),
    "VALID_TRADEMARK": (330_000, "x1.02"),
    "PATENT_ENTERPRISES": (9_000, "+300"),
    "FILED_ENTERPRISES": (200, "+400"),
    "INDUSTRIALISED_ENTERPRISES": (5, "+5"),
    "ADVANTAGE_GIANTS": (2, "+1"),
    "UNCONVERTED_VALID": (20_000, "+800"),
    "INVENTORIED": (500, "+900"),
}
# Province flows in the first quarter, growing 2% a quarter with noise; amounts in 万元.
FLOWS = {
    "TRANSFER_COUNT": 900,
    "TRANSFER_AMOUNT": 70_000,
    "OPEN_LICENCE_DEALS": 40,
    "PLEDGE_COUNT": 30,
    "PLEDGE_AMOUNT": 80_000,
    "CONTRACT_COUNT": 500,
    "CONTRACT_AMOUNT": 300_000,
    "PRODUCT_FILINGS": 120,
    "PRODUCT_OUTPUT": 1_100_000,
    "NEW_SPECIALISED": 35,
    "NEW_LITTLE_GIANT": 3,
    "NAVIGATION_PROJECTS": 4,
    "TRAININGS": 30,
}
# An element added to the form later (not in the tables above) gets a small stock.
OTHER = (100, "+5")
# Ankang's own stocks sit near its 2025 targets (安政办发〔2024〕13号 第2条: 400 / 100 / 30000),
# so its dashboard has a story, as in the demo data.
ANKANG = {
    "VALID_INVENTION": (180, "+8"),
    "HIGH_VALUE_INVENTION": (30, "+3"),
    "VALID_TRADEMARK": (15_000, "+420"),
    "UNCONVERTED_VALID": (60, "+3"),
    "INVENTORIED": (5, "+3"),
}
BATCH = 5000


def quarters():
    """The 32 quarters (8 years) up to the last one ended."""
    from django.utils import timezone

    from portal.periods import Quarter

    last = Quarter.last_completed(timezone.localdate())
    return Quarter.span(last.shift(-(4 * 8 - 1)), last)


def _stock(start: int, growth: str, step: int) -> Decimal:
    if growth.startswith("+"):
        return Decimal(start + int(growth[1:]) * step)
    return Decimal(start) * Decimal(growth[1:]) ** step


def _round(value: Decimal, element) -> Decimal:
    if element.is_integer:
        return value.to_integral_value()
    return value.quantize(Decimal("0.01"))


def _consistent(values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Apply the seeded rules' relations, each a min of non-decreasing series (stays monotone)."""

    def cap(low: str, high: str) -> None:
        if low in values and high in values:
            values[low] = min(values[low], values[high])

    cap("HIGH_VALUE_INVENTION", "VALID_INVENTION")
    cap("FILED_ENTERPRISES", "PATENT_ENTERPRISES")
    cap("INVENTORIED", "UNCONVERTED_VALID")
    if values.get("PLEDGE_COUNT") == 0 and "PLEDGE_AMOUNT" in values:
        values["PLEDGE_AMOUNT"] = Decimal(0)
    return values


def city_figures(code: str, weight: Decimal, step: int, elements, rng) -> dict[str, Decimal]:
    """One city-level unit's figures for the step-th of the 32 quarters."""
    values = {}
    for element in elements:
        if element.kind == element.Kind.FLOW:
            base = FLOWS.get(element.code, 10)
            amount = Decimal(base) * Decimal("1.02") ** step * weight
            amount *= Decimal(rng.uniform(0.85, 1.15)).quantize(Decimal("0.001"))
            values[element.code] = _round(amount, element)
        else:
            start, growth = (ANKANG if code == "610900" else {}).get(element.code) or (
                STOCKS.get(element.code, OTHER)
            )
            own = code == "610900" and element.code in ANKANG
            amount = _stock(start, growth, step) * (1 if own else weight)
            values[element.code] = _round(amount, element)
    return _consistent(values)


def county_figures(city: dict[str, Decimal], share: Decimal, elements) -> dict[str, Decimal]:
    """A county's share of its city's figures (a fixed share per county, so stocks never fall)."""
    return _consistent({e.code: _round(city[e.code] * share, e) for e in elements})


def _at(quarter, days: int):
    from django.utils import timezone

    return timezone.make_aware(datetime.combine(quarter.end + timedelta(days=days), time(10)))


def plan(elements) -> list[tuple]:
    """(region, quarter, figures) for every unit and quarter, in a fixed (seeded) order."""
    regions = units()
    by_parent: dict[int, list] = {}
    for region in regions:
        if region.level == region.Level.COUNTY:
            by_parent.setdefault(region.parent_id, []).append(region)
    # Share of the province's figures per city-level unit: the demo's (reporting/demo.py), the
    # rest spread over any other unit. Imported here: the module needs Django set up.
    from reporting.demo import WEIGHTS

    rows = []
    spread = Decimal(1) - sum(WEIGHTS.values())
    others = [r for r in regions if r.level == r.Level.CITY and r.code not in WEIGHTS]
    for city in (r for r in regions if r.level == r.Level.CITY):
        weight = WEIGHTS.get(city.code) or spread / max(len(others), 1)
        rng = random.Random(f"bench-{city.code}")  # noqa: S311  (invented figures)
        counties = by_parent.get(city.pk, [])
        raw = [Decimal(rng.uniform(1, 4)).quantize(Decimal("0.001")) for _c in counties]
        shares = [part / sum(raw) for part in raw]
        for step, quarter in enumerate(quarters()):
            figures = city_figures(city.code, weight, step, elements, rng)
            rows.append((city, quarter, figures))
            for county, share in zip(counties, shares, strict=True):
                rows.append((county, quarter, county_figures(figures, share, elements)))
    return rows


def check_rules(rows: list[tuple], elements) -> None:
    """The portal's own validation (`check_entries`, as on submission) over every generated
    return: generation stops on any blocking problem or warning."""
    from reporting.models import ValidationRule
    from reporting.validation import Entry, check_entries

    rules = list(ValidationRule.objects.filter(is_active=True))
    by_key = {(region.pk, quarter): figures for region, quarter, figures in rows}
    for region, quarter, figures in rows:
        previous = by_key.get((region.pk, quarter.previous()), {})
        problems = check_entries(
            elements=elements,
            entries={c: Entry(code=c, value=v, comment="", cell=c) for c, v in figures.items()},
            previous=previous,
            rules=rules,
            require_all=True,
        )
        if problems:
            raise SystemExit(f"generated return {region.code} {quarter} breaks a rule: {problems}")


def generate(scale: Scale, *, fresh: bool = False) -> None:
    from django.db import connection

    from portal.models import Role, User
    from portal.services import audit_record
    from reporting import compute
    from reporting.models import (
        DataValue,
        DataValueHistory,
        IndicatorValue,
        ProgressSnapshot,
        ReturnForm,
        ReturnUpload,
        StatReturn,
    )
    from reporting.seeds import FORM
    from reporting.selectors import form_elements
    from reporting.services.returns import _json

    with part(PART, fresh=fresh) as todo:
        if not todo:
            return
        form = ReturnForm.objects.get(code=FORM["code"])
        # A fresh generation replaces every return of the form and everything computed.
        ProgressSnapshot.objects.all().delete()
        IndicatorValue.objects.all().delete()
        DataValueHistory.objects.filter(stat_return__form=form).delete()
        DataValue.objects.filter(stat_return__form=form).delete()
        ReturnUpload.objects.filter(stat_return__form=form).delete()
        StatReturn.objects.filter(form=form).delete()

        elements = form_elements(form)
        users.generate(scale)  # the agencies and reviewers who submitted and approved them
        reviewer = users.reviewer()
        agencies = {
            user.region_id: user
            for user in User.objects.filter(role=Role.CITY_AGENCY, username__startswith="bench_")
        }
        rows = plan(elements)
        check_rules(rows, elements)
        returns = []
        for region, quarter, figures in rows:
            agency = agencies[region.pk]
            late = 20 if region.code in ("610200", "611000") and quarter.quarter == 4 else 9
            returns.append(
                StatReturn(
                    form=form,
                    created_at=_at(quarter, 2),
                    region=region,
                    period=str(quarter),
                    status=StatReturn.Status.APPROVED,
                    created_by=agency,
                    submitted_at=_at(quarter, late),
                    submitted_by=agency,
                    decided_at=_at(quarter, late + 3),
                    decided_by=reviewer,
                    snapshot={c: {"value": _json(v), "comment": ""} for c, v in figures.items()},
                )
            )
        with as_given(StatReturn):
            StatReturn.objects.bulk_create(returns, batch_size=BATCH)
        values, history = [], []
        for stat_return, (_region, _quarter, figures) in zip(returns, rows, strict=True):
            for element in elements:
                value = figures[element.code]
                common = {
                    "element": element,
                    "period": stat_return.period,
                    "region_id": stat_return.region_id,
                    "stat_return": stat_return,
                }
                values.append(
                    DataValue(
                        **common,
                        value=value,
                        updated_at=stat_return.submitted_at,
                        updated_by=stat_return.submitted_by,
                    )
                )
                history.append(
                    DataValueHistory(
                        **common,
                        previous_value=None,
                        value=value,
                        changed_at=stat_return.submitted_at,
                        changed_by=stat_return.submitted_by,
                        via="web",
                    )
                )
            if len(values) >= BATCH:
                DataValue.objects.bulk_create(values, batch_size=BATCH)
                DataValueHistory.objects.bulk_create(history, batch_size=BATCH)
                values, history = [], []
        DataValue.objects.bulk_create(values, batch_size=BATCH)
        DataValueHistory.objects.bulk_create(history, batch_size=BATCH)
        with connection.cursor() as cursor:  # fresh statistics for the planner
            cursor.execute(
                "ANALYZE "
                + ", ".join(m._meta.db_table for m in (StatReturn, DataValue, DataValueHistory))
            )
        audit_record(
            actor=None,
            actor_label="bench/data/reporting.py",
            event="bench.reporting",
            after={"returns": len(returns), "values": len(returns) * len(elements)},
        )
        result = compute.recompute()
        print(
            f"  reporting: {len(returns):,} returns of {len(elements)} elements for "
            f"{len(units())} units over {len(quarters())} quarters; "
            f"{result.values:,} indicator values, {result.snapshots:,} progress snapshots"
        )
