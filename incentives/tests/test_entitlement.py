"""Each amount rule on hand-computed cases, exact to the fen, with its working."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from incentives.entitlement import Figures, Rule, compute
from portal.dates import add_months

WAN = Decimal(10_000)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def rule(kind: str, **fields) -> Rule:
    return Rule(kind=kind, citation="陕政办发〔2024〕11号 (三)", **fields)


def test_a_fixed_reward_cites_its_clause():
    result = compute(rule("fixed", amount=50 * WAN), Figures())
    assert result.amount == Decimal("500000.00")
    assert result.lines[0].label == "Fixed reward (陕政办发〔2024〕11号 (三))"
    assert [line.amount for line in result.lines] == [Decimal(500000), Decimal("500000.00")]


@pytest.mark.parametrize(
    ("asked", "amount", "error"),
    [
        (Decimal(200000), Decimal("200000.00"), None),
        (Decimal(100000), Decimal("100000.00"), None),  # both ends included
        (Decimal(300000), Decimal("300000.00"), None),
        (Decimal("300000.01"), None, "between 100,000.00 and 300,000.00"),
        (Decimal(99999), None, "between"),
        (None, None, "Give the amount asked for."),
    ],
)
def test_a_range_is_decided_within_its_ends(asked, amount, error):
    result = compute(
        rule("range", amount_min=10 * WAN, amount_max=30 * WAN), Figures(requested=asked)
    )
    assert result.amount == amount
    if error:
        assert error in result.errors["requested_amount"]


def test_a_range_without_an_upper_end_is_open():
    result = compute(rule("range", amount_min=Decimal(0)), Figures(requested=Decimal(1_234_567)))
    assert result.amount == Decimal("1234567.00")


def test_a_floor_is_not_less_than():
    floor = rule("floor", amount=30 * WAN)
    assert compute(floor, Figures(requested=Decimal(450000))).amount == Decimal("450000.00")
    refused = compute(floor, Figures(requested=Decimal("299999.99")))
    assert refused.amount is None
    assert "not less than 300,000.00" in refused.errors["requested_amount"]


def test_a_proportion_rounds_half_up_to_the_fen_once():
    # 12,345.67 × 33.33% = 4,114.812... → 4,114.81; 0.005 fen rounds up.
    share = rule("proportion", rate=Decimal("0.3333"), base_label="保费")
    assert compute(share, Figures(base=Decimal("12345.67"))).amount == Decimal("4114.81")
    half = rule("proportion", rate=Decimal("0.5"), base_label="保费")
    assert compute(half, Figures(base=Decimal("0.05"))).amount == Decimal("0.03")
    assert "base_amount" in compute(half, Figures()).errors


def test_a_cap_per_claim_and_the_cumulative_cap_across_claims():
    capped = rule(
        "proportion", rate=Decimal("0.5"), base_label="利息", cap_per_claim=20 * WAN,
        cumulative_cap=50 * WAN,
    )  # fmt: skip
    first = compute(capped, Figures(base=Decimal(600000)))  # 300,000 → capped at 200,000
    assert first.amount == Decimal("200000.00")
    assert "Capped at 200,000.00 per claim" in [line.label for line in first.lines]
    second = compute(capped, Figures(base=Decimal(600000)), received=Decimal(200000))
    assert second.amount == Decimal("200000.00")
    third = compute(capped, Figures(base=Decimal(600000)), received=Decimal(400000))
    assert third.amount == Decimal("100000.00")  # 500,000 − 400,000 left
    assert third.lines[-2].label.startswith("Cumulative cap 500,000.00 per organisation, less")
    spent = compute(capped, Figures(base=Decimal(600000)), received=Decimal(500000))
    assert spent.amount == Decimal("0.00")


def test_a_two_year_interest_subsidy_crossing_a_year_boundary():
    """Loan from 2024-07-15: interest paid from then to 2026-07-14 counts; the payment on
    2026-07-15 and one before the start do not. 50% of the counted interest, cap 500,000."""
    subsidy = rule(
        "proportion", rate=Decimal("0.5"), base_label="实际支付利息", duration_months=24,
        cumulative_cap=50 * WAN,
    )  # fmt: skip
    payments = (
        (date(2024, 7, 10), Decimal("9999.99")),  # before the loan: not counted
        (date(2024, 10, 20), Decimal("45123.45")),
        (date(2024, 12, 31), Decimal("45123.45")),
        (date(2025, 1, 1), Decimal("44000.10")),
        (date(2025, 12, 21), Decimal("43210.00")),
        (date(2026, 7, 14), Decimal("42000.01")),  # the last day of the two years
        (date(2026, 7, 15), Decimal("41000.00")),  # the day after: not counted
    )
    result = compute(subsidy, Figures(start=date(2024, 7, 15), payments=payments))
    counted = (
        Decimal("45123.45") * 2 + Decimal("44000.10") + Decimal("43210.00") + Decimal("42000.01")
    )
    assert counted == Decimal("219457.01")
    assert result.lines[0].amount == counted
    assert "15 July 2024 to 14 July 2026 (24 months): 5 payments" in result.lines[0].label
    assert "2 outside the period not counted" in result.lines[0].label
    assert result.amount == Decimal("109728.51")  # 109,728.505 rounds half up


def test_the_cap_binds_on_a_large_loan():
    subsidy = rule(
        "proportion", rate=Decimal("0.5"), base_label="实际支付利息", duration_months=24,
        cumulative_cap=50 * WAN,
    )  # fmt: skip
    payments = ((date(2024, 12, 20), Decimal(700000)), (date(2025, 6, 20), Decimal(600000)))
    result = compute(subsidy, Figures(start=date(2024, 6, 1), payments=payments))
    assert result.amount == Decimal("500000.00")
    assert [line.amount for line in result.lines] == [
        Decimal(1300000), Decimal("650000.00"), Decimal("500000.00"), Decimal("500000.00"),
    ]  # fmt: skip


def test_a_duration_rule_names_what_is_missing():
    subsidy = rule("proportion", rate=Decimal("0.5"), base_label="利息", duration_months=24)
    assert set(compute(subsidy, Figures()).errors) == {"loan_start"}
    assert set(compute(subsidy, Figures(start=date(2025, 1, 1))).errors) == {"interest_payments"}


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2024, 7, 15), 24, date(2026, 7, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_months_are_added_on_the_calendar(start, months, end):
    assert add_months(start, months) == end
