"""Progress against targets (reporting.progress), with every expected value computed by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from reporting import progress
from reporting.progress import (
    AT_RISK,
    BEHIND,
    NO_DATA,
    ON_TRACK,
    expected_by,
    flow_projection,
    linear_projection,
    percent,
    status,
)

D = Decimal
FOUR_PLACES = D("0.0001")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# Expected by a date --------------------------------------------------------------------------

# Baseline 300 at the end of 2023, target 400 by the end of 2025: 731 days (2024 is a leap year).
LINE = {
    "baseline": D(300),
    "baseline_date": date(2023, 12, 31),
    "target": D(400),
    "deadline": date(2025, 12, 31),
}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # 366 of 731 days: 300 + 100 × 366 / 731 = 300 + 50.06839945… = 350.0684.
        (date(2024, 12, 31), D("350.0684")),
        # 1 of 731 days: 300 + 100 / 731 = 300.13679…
        (date(2024, 1, 1), D("300.1368")),
        # 730 of 731 days: 400 − 100 / 731 = 399.86320…
        (date(2025, 12, 30), D("399.8632")),
        # 182 of 731 days (2024-06-30): 300 + 18200 / 731 = 324.89740…
        (date(2024, 6, 30), D("324.8974")),
        # Clamped: the baseline on and before its date, the target on and after the deadline.
        (date(2023, 12, 31), D("300.0000")),
        (date(2023, 6, 30), D("300.0000")),
        (date(2025, 12, 31), D("400.0000")),
        (date(2027, 3, 31), D("400.0000")),
    ],
)
def test_expected_by(as_of, expected):
    assert expected_by(**LINE, as_of=as_of).quantize(FOUR_PLACES) == expected


def test_expected_by_exact_fraction():
    result = expected_by(**LINE, as_of=date(2024, 12, 31))
    assert result == D(300) + D(100) * D(366) / D(731)


@pytest.mark.parametrize(
    ("baseline", "target", "deadline", "as_of", "expected"),
    [
        # 0 → 365 over 2025 (365 days): one a day, 182 by 2 July.
        (D(0), D(365), date(2026, 1, 1), date(2025, 7, 2), D(182)),
        # A falling target (e.g. a backlog to clear): 100 → 0 over 10 days, 3 days in.
        (D(100), D(0), date(2025, 1, 11), date(2025, 1, 4), D(70)),
        # A flat target stays flat.
        (D(50), D(50), date(2025, 12, 31), date(2025, 5, 1), D(50)),
    ],
)
def test_expected_by_other_lines(baseline, target, deadline, as_of, expected):
    result = expected_by(
        baseline=baseline,
        baseline_date=date(2025, 1, 1),
        target=target,
        deadline=deadline,
        as_of=as_of,
    )
    assert result == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [(date(2025, 5, 31), D(10)), (date(2025, 6, 1), D(20)), (date(2025, 6, 2), D(20))],
)
def test_expected_by_deadline_on_the_baseline_date(as_of, expected):
    result = expected_by(
        baseline=D(10),
        baseline_date=date(2025, 6, 1),
        target=D(20),
        deadline=date(2025, 6, 1),
        as_of=as_of,
    )
    assert result == expected


# Linear projection ---------------------------------------------------------------------------

# Quarter ends of 2024: x = 0, 91, 183, 275 days; values on the line y = 100 + 2x.
ON_A_LINE = [
    (date(2024, 3, 31), D(100)),
    (date(2024, 6, 30), D(282)),
    (date(2024, 9, 30), D(466)),
    (date(2024, 12, 31), D(650)),
]


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        # 2025-12-31 is day 640: 100 + 2 × 640.
        (date(2025, 12, 31), D(1380)),
        # 2025-03-31 is day 365: 100 + 2 × 365.
        (date(2025, 3, 31), D(830)),
        # The day after the last point, day 276.
        (date(2025, 1, 1), D(652)),
    ],
)
def test_linear_projection_on_a_line(deadline, expected):
    assert linear_projection(ON_A_LINE, deadline) == expected


def test_linear_projection_sorts_the_points():
    shuffled = [ON_A_LINE[2], ON_A_LINE[0], ON_A_LINE[3], ON_A_LINE[1]]
    assert linear_projection(shuffled, date(2025, 12, 31)) == D(1380)


def test_linear_projection_least_squares():
    # x = 0, 1, 2, 3 and y = 1, 3, 2, 4: mean x 1.5, mean y 2.5, Σ(x−x̄)(y−ȳ) = 4, Σ(x−x̄)² = 5,
    # slope 0.8, intercept 2.5 − 0.8 × 1.5 = 1.3; at x = 10: 1.3 + 8 = 9.3.
    points = [
        (date(2025, 1, 1), D(1)),
        (date(2025, 1, 2), D(3)),
        (date(2025, 1, 3), D(2)),
        (date(2025, 1, 4), D(4)),
    ]
    assert linear_projection(points, date(2025, 1, 11)) == D("9.3")


@pytest.mark.parametrize(
    ("points", "deadline", "expected"),
    [
        # Two points: the line through them, 100 → 120 in 10 days, 10 days more.
        ([(date(2025, 1, 1), D(100)), (date(2025, 1, 11), D(120))], date(2025, 1, 21), D(140)),
        # Falling.
        ([(date(2025, 1, 1), D(50)), (date(2025, 1, 6), D(40))], date(2025, 1, 16), D(20)),
        # Flat.
        ([(date(2025, 1, 1), D(7)), (date(2025, 4, 1), D(7))], date(2026, 1, 1), D(7)),
    ],
)
def test_linear_projection_two_points(points, deadline, expected):
    assert linear_projection(points, deadline) == expected


@pytest.mark.parametrize(
    "deadline", [date(2024, 12, 31), date(2024, 12, 30), date(2024, 6, 30), date(2020, 1, 1)]
)
def test_linear_projection_deadline_reached_returns_the_last_value(deadline):
    assert linear_projection(ON_A_LINE, deadline) == D(650)


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(date(2025, 3, 31), D(10))],
        [(date(2025, 3, 31), D(10)), (date(2025, 3, 31), D(20))],
        [(date(2025, 3, 31), D(10)), (date(2025, 3, 31), D(20)), (date(2025, 3, 31), D(30))],
    ],
)
def test_linear_projection_needs_two_days(points):
    assert linear_projection(points, date(2025, 12, 31)) is None


# Flow projection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year_to_date", "recent", "quarters_left", "expected"),
    [
        # Mean of the last four quarters (30 + 50 + 40 + 80) / 4 = 50, two quarters to go.
        (D(120), [D(30), D(50), D(40), D(80)], 2, D(220)),
        (D(120), [D(30), D(50), D(40), D(80)], 3, D(270)),
        # Q4 reported: nothing left to project.
        (D(500), [D(30), D(50), D(40), D(80)], 0, D(500)),
        # One quarter of history.
        (D(0), [D(25)], 4, D(100)),
        # Fractions: (1.5 + 2.5) / 2 = 2, one left.
        (D("10.5"), [D("1.5"), D("2.5")], 1, D("12.5")),
        # (10 + 20 + 20) / 3 × 3 = 50, to four places.
        (D(0), [D(10), D(20), D(20)], 3, D("50.0000")),
    ],
)
def test_flow_projection(year_to_date, recent, quarters_left, expected):
    result = flow_projection(
        year_to_date=year_to_date, recent_quarter_values=recent, quarters_left=quarters_left
    )
    assert result.quantize(FOUR_PLACES) == expected


def test_flow_projection_is_not_fooled_by_a_slow_first_quarter():
    # Q1 brought 10 but the last four quarters brought 10, 30, 40, 120 (a strong Q4): the year
    # is projected at 10 + 50 × 3 = 160, where extrapolating Q1 alone would give 40.
    result = flow_projection(
        year_to_date=D(10), recent_quarter_values=[D(10), D(30), D(40), D(120)], quarters_left=3
    )
    assert result == D(160)


@pytest.mark.parametrize("quarters_left", [0, 3])
def test_flow_projection_without_history(quarters_left):
    result = flow_projection(
        year_to_date=D(10), recent_quarter_values=[], quarters_left=quarters_left
    )
    assert result is None


def test_flow_projection_refuses_negative_quarters_left():
    with pytest.raises(ValueError):
        flow_projection(year_to_date=D(10), recent_quarter_values=[D(1)], quarters_left=-1)


# Status --------------------------------------------------------------------------------------

THRESHOLDS = {"on_track": D("0.95"), "at_risk": D("0.8")}


@pytest.mark.parametrize(
    ("actual", "expected", "target", "projection", "result"),
    [
        (None, D(100), D(200), None, NO_DATA),
        (None, D(100), D(200), D(500), NO_DATA),
        # The on-track boundary, 95 of an expected 100.
        (D(95), D(100), D(200), None, ON_TRACK),
        (D("94.99"), D(100), D(200), None, AT_RISK),
        (D(150), D(100), D(200), None, ON_TRACK),
        # The at-risk boundary, 80 of an expected 100.
        (D(80), D(100), D(200), None, AT_RISK),
        (D("79.99"), D(100), D(200), None, BEHIND),
        (D(0), D(100), D(200), None, BEHIND),
        # Under the at-risk line but the projection reaches the target: at risk, not behind.
        (D("79.99"), D(100), D(200), D(200), AT_RISK),
        (D("79.99"), D(100), D(200), D(250), AT_RISK),
        (D("79.99"), D(100), D(200), D("199.99"), BEHIND),
        # The target reached is on track, whatever the line says (the target boundary).
        (D(200), D(300), D(200), None, ON_TRACK),
        (D(250), D(300), D(200), None, ON_TRACK),
        (D("199.99"), D(300), D(200), None, BEHIND),
        # Nothing expected yet: cannot be behind (the expectation boundary).
        (D(0), D(0), D(200), None, ON_TRACK),
        (D(0), D(-5), D(200), None, ON_TRACK),
        (D(0), D("0.01"), D(200), None, BEHIND),
    ],
)
def test_status(actual, expected, target, projection, result):
    assert (
        status(actual=actual, expected=expected, target=target, projection=projection, **THRESHOLDS)
        == result
    )


def test_status_values_are_stable_codes():
    assert {progress.NO_DATA, progress.ON_TRACK, progress.AT_RISK, progress.BEHIND} == {
        "no_data",
        "on_track",
        "at_risk",
        "behind",
    }


# Percent -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [
        (D(50), D(200), "25.00"),
        (D(1), D(3), "33.33"),
        (D(2), D(3), "66.67"),
        (D(450), D(400), "112.50"),
        (D(0), D(400), "0.00"),
        # Half up, not half even: 12.345 → 12.35, 0.125 → 0.13, 2.5 → 2.50 stays.
        (D("0.12345"), D(1), "12.35"),
        (D("0.00125"), D(1), "0.13"),
        (D("-0.12345"), D(1), "-12.35"),
        (D("0.12344"), D(1), "12.34"),
        (D(5), D(-10), "-50.00"),
    ],
)
def test_percent(actual, target, expected):
    assert str(percent(actual, target)) == expected


@pytest.mark.parametrize(("actual", "target"), [(None, D(100)), (D(5), D(0)), (None, D(0))])
def test_percent_without_meaning(actual, target):
    assert percent(actual, target) is None
