"""The arithmetic of progress against targets: where a figure should be, and where it is heading.

Pure functions over Decimal and `datetime.date`, so the rules can be checked by hand; the Celery
task that writes progress snapshots supplies the figures and stores what these return.

Two kinds of figure need two projections. A stock (专利有效量, patents held) moves steadily, so a
least-squares line through its quarter-end values extrapolates well. A flow (许可金额, licence
income in a year) restarts every January and is seasonal: almost nothing is signed before the
Spring Festival and much is signed in Q4. Drawing a line through this year's Q1 alone, or
comparing it with a straight line to the year's target, shows nearly every city "behind schedule"
in April. The flow projection therefore adds the mean of the last four quarters (a whole seasonal
cycle) for each quarter left, and `status` calls a target "at risk", not "behind", when that
projection still reaches it.
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

NO_DATA = "no_data"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
BEHIND = "behind"

TWO_PLACES = Decimal("0.01")


def expected_by(
    *, baseline: Decimal, baseline_date: date, target: Decimal, deadline: date, as_of: date
) -> Decimal:
    """Where the figure should be on `as_of` if it moved in a straight line to the target.

    Counted in days rather than quarters, because quarters differ in length (90 to 92 days) and
    targets are set for dates, not for periods. Before the baseline date the expectation is the
    baseline and after the deadline it is the target: no target is extrapolated beyond itself.
    """
    span = (deadline - baseline_date).days
    if span <= 0:
        # A deadline on or before the baseline: the target is due from the deadline on.
        return target if as_of >= deadline else baseline
    if as_of <= baseline_date:
        return baseline
    if as_of >= deadline:
        return target
    elapsed = (as_of - baseline_date).days
    return baseline + (target - baseline) * Decimal(elapsed) / Decimal(span)


def linear_projection(points: Sequence[tuple[date, Decimal]], deadline: date) -> Decimal | None:
    """The least-squares line through `(date, value)` points, evaluated at the deadline.

    For stocks, which move steadily: a fitted line rather than the last two points, so one
    late-reported quarter does not swing the forecast. x is days since the earliest point; the
    points are sorted by date first. None when no line can be drawn (fewer than two points, or
    all on one day). A deadline already reached returns the latest value: nothing to project.
    """
    if len(points) < 2:
        return None
    ordered = sorted(points, key=lambda point: point[0])
    origin = ordered[0][0]
    xs = [Decimal((day - origin).days) for day, _value in ordered]
    ys = [Decimal(value) for _day, value in ordered]
    mean_x = sum(xs, Decimal(0)) / len(xs)
    mean_y = sum(ys, Decimal(0)) / len(ys)
    spread_x = sum(((x - mean_x) ** 2 for x in xs), Decimal(0))
    if spread_x == 0:
        return None
    if deadline <= ordered[-1][0]:
        return ys[-1]
    covariance = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Decimal(0))
    slope = covariance / spread_x
    return mean_y + slope * (Decimal((deadline - origin).days) - mean_x)


def flow_projection(
    *, year_to_date: Decimal, recent_quarter_values: Sequence[Decimal], quarters_left: int
) -> Decimal | None:
    """The year's total if each remaining quarter brings the mean of the recent quarters.

    The caller passes the last four quarterly values, one whole seasonal cycle, so that a slow
    Q1 or a strong Q4 neither sinks nor inflates the forecast (see the module docstring).
    None without recent values: a city new to reporting has no history to project from.
    """
    if quarters_left < 0:
        raise ValueError(f"quarters_left cannot be negative, not {quarters_left!r}")
    if not recent_quarter_values:
        return None
    mean = sum((Decimal(v) for v in recent_quarter_values), Decimal(0)) / len(recent_quarter_values)
    return year_to_date + mean * quarters_left


def status(
    *,
    actual: Decimal | None,
    expected: Decimal,
    target: Decimal,
    projection: Decimal | None,
    on_track: Decimal,
    at_risk: Decimal,
) -> str:
    """One of NO_DATA, ON_TRACK, AT_RISK, BEHIND for a target on a dashboard.

    `on_track` and `at_risk` are ratios of actual to expected (e.g. 0.95 and 0.8), set per
    indicator. A target already reached is on track whatever the line says; an expectation of
    zero or less (the start of the period) cannot be behind. A figure under the line but whose
    projection reaches the target is at risk, not behind: the straight line misjudges seasonal
    flows early in the year.
    """
    if actual is None:
        return NO_DATA
    if actual >= target or expected <= 0:
        return ON_TRACK
    ratio = actual / expected
    if ratio >= on_track:
        return ON_TRACK
    if ratio >= at_risk or (projection is not None and projection >= target):
        return AT_RISK
    return BEHIND


def percent(actual: Decimal | None, target: Decimal) -> Decimal | None:
    """Actual as a percentage of the target, to 2 places, rounded half up as people expect.

    None when there is no figure, or for a zero target, where a percentage means nothing.
    """
    if actual is None or target == 0:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
