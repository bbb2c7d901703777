"""Expert scores into a final score, and KPI actuals into met / not met. Pure functions."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# 去掉一个最高分和一个最低分: only when enough experts scored for the trim to leave a panel.
TRIM_FROM = 5
TWO_PLACES = Decimal("0.01")


def trimmed_mean(scores: Sequence[Decimal]) -> Decimal | None:
    """The mean of the scores, dropping the highest and the lowest when there are at least 5."""
    if not scores:
        return None
    ordered = sorted(Decimal(score) for score in scores)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    mean = sum(ordered, Decimal(0)) / len(ordered)
    return mean.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def spread(scores: Sequence[Decimal]) -> Decimal | None:
    """Highest minus lowest score, before trimming: how far the experts disagree."""
    if not scores:
        return None
    return (max(scores) - min(scores)).quantize(TWO_PLACES)


def plain(value: Decimal | None) -> str:
    """A number as people write it: 20.00 → "20", 25.50 → "25.5"."""
    return "" if value is None else f"{Decimal(value).normalize():f}"


@dataclass(frozen=True)
class KPIOutcome:
    code: str
    name: str
    unit: str
    comparator: str
    target: Decimal | None
    baseline: Decimal | None
    actual: Decimal | None
    achieved: Decimal | None  # the value compared with the target (growth in % for growth KPIs)
    met: bool
    explanation: str

    def as_dict(self) -> dict:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "comparator": self.comparator,
            "target": text(self.target),
            "baseline": text(self.baseline),
            "actual": text(self.actual),
            "achieved": text(self.achieved),
            "met": self.met,
            "explanation": self.explanation,
        }


def kpi_outcome(
    *,
    code: str,
    name: str,
    unit: str,
    comparator: str,
    target: Decimal | None,
    baseline: Decimal | None,
    actual: Decimal | None,
) -> KPIOutcome:
    """Compare a KPI's actual value with its target (DOMAIN.md §3: met / not met per KPI).

    "gte": actual ≥ target. "growth": (actual − baseline) / baseline × 100 ≥ target %.
    "done": a deliverable; actual 1 means delivered.
    """
    from django.utils.translation import gettext as _

    def outcome(achieved: Decimal | None, met: bool, explanation: str) -> KPIOutcome:
        return KPIOutcome(
            code, name, unit, comparator, target, baseline, actual, achieved, met, explanation
        )

    if actual is None:
        return outcome(None, False, _("No actual value was reported."))
    if target is None:
        return outcome(None, False, _("The project has no target for this KPI."))
    if comparator == "growth":
        if not baseline:
            return outcome(None, False, _("Growth cannot be measured without a baseline above 0."))
        growth = ((actual - baseline) / baseline * 100).quantize(TWO_PLACES, ROUND_HALF_UP)
        met = growth >= target
        return outcome(
            growth,
            met,
            _("Growth from %(baseline)s to %(actual)s is %(growth)s%%; the target is %(target)s%%.")
            % {
                "baseline": plain(baseline),
                "actual": plain(actual),
                "growth": plain(growth),
                "target": plain(target),
            },
        )
    if comparator == "done":
        met = actual >= 1
        return outcome(actual, met, _("Delivered.") if met else _("Not delivered."))
    met = actual >= target
    return outcome(
        actual,
        met,
        _("Actual %(actual)s %(unit)s against a target of %(target)s %(unit)s.")
        % {"actual": plain(actual), "target": plain(target), "unit": unit},
    )
