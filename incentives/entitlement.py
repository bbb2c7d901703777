"""What a claim is entitled to, with the working, line by line (pure: no database).

The same function serves the claim page, the API preview and the reviewer's screen. Every step
is a `Line` citing the clause; amounts are Decimal yuan rounded half-up to the fen once, where a
rate multiplies a base.

    base × rate, capped at X per claim, less Y already received under the cumulative cap = Z
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.utils.translation import gettext as _

from portal.dates import add_months
from portal.formats import day, number, yuan

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Rule:
    """The amount rule of a policy version (the fields of incentives.models.Policy)."""

    kind: str  # fixed | range | floor | proportion
    citation: str
    amount: Decimal | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    rate: Decimal | None = None
    base_label: str = ""
    cap_per_claim: Decimal | None = None
    cumulative_cap: Decimal | None = None
    duration_months: int | None = None

    @classmethod
    def of(cls, policy) -> "Rule":
        return cls(
            kind=policy.amount_kind,
            citation=policy.citation,
            amount=policy.amount,
            amount_min=policy.amount_min,
            amount_max=policy.amount_max,
            rate=policy.rate,
            base_label=policy.base_label,
            cap_per_claim=policy.cap_per_claim,
            cumulative_cap=policy.cumulative_cap,
            duration_months=policy.duration_months,
        )


@dataclass(frozen=True)
class Figures:
    """What the claimant states: an amount asked for (range, floor), a base amount, or interest
    payments [(date paid, amount)] of a loan that started on `start` (duration rules)."""

    requested: Decimal | None = None
    base: Decimal | None = None
    start: date | None = None
    payments: tuple[tuple[date, Decimal], ...] = ()


@dataclass(frozen=True)
class Line:
    label: str
    amount: Decimal


@dataclass
class Entitlement:
    amount: Decimal | None
    lines: list[Line] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def as_list(self) -> list[dict]:
        return [{"label": line.label, "amount": str(line.amount)} for line in self.lines]


def _base(rule: Rule, figures: Figures, lines: list[Line], errors: dict) -> Decimal | None:
    """The base figure: the stated base amount, or the interest paid within the duration."""
    if rule.duration_months:
        if figures.start is None:
            errors["loan_start"] = _("Give the date the loan started.")
            return None
        if not figures.payments:
            errors["interest_payments"] = _("List the interest payments (date and amount).")
            return None
        end = add_months(figures.start, rule.duration_months)
        counted = [(day, amount) for day, amount in figures.payments if figures.start <= day < end]
        total = sum((amount for _day, amount in counted), ZERO)
        left_out = len(figures.payments) - len(counted)
        label = _(
            "%(base)s paid from %(start)s to %(end)s (%(months)d months): %(count)d payments"
        ) % {
            "base": rule.base_label or _("interest"),
            "start": day(figures.start),
            "end": day(end - timedelta(days=1)),
            "months": rule.duration_months,
            "count": len(counted),
        }
        if left_out:
            label += _("; %(count)d outside the period not counted") % {"count": left_out}
        lines.append(Line(label, total))
        return total
    if figures.base is None:
        errors["base_amount"] = _("Give the %(base)s.") % {"base": rule.base_label or _("base")}
        return None
    lines.append(Line(rule.base_label or _("base"), figures.base))
    return figures.base


def compute(rule: Rule, figures: Figures, *, received: Decimal = ZERO) -> Entitlement:
    """The entitlement under `rule` for `figures`, given what the organisation has already
    received (approved or paid) under the same policy, for the cumulative cap."""
    lines: list[Line] = []
    errors: dict[str, str] = {}
    amount: Decimal | None = None
    # The fields a kind needs are set: services.policy_save requires them (_check_rule).
    if rule.kind == "fixed":
        amount = cast(Decimal, rule.amount)
        lines.append(Line(_("Fixed reward (%(clause)s)") % {"clause": rule.citation}, amount))
    elif rule.kind == "range":
        low, high = cast(Decimal, rule.amount_min), rule.amount_max
        asked = figures.requested
        if asked is None:
            errors["requested_amount"] = _("Give the amount asked for.")
        elif asked < low or (high is not None and asked > high):
            errors["requested_amount"] = _(
                "The amount asked for must be between %(low)s and %(high)s yuan (%(clause)s)."
            ) % {"low": yuan(low), "high": yuan(high), "clause": rule.citation}
        else:
            amount = asked
            lines.append(
                Line(
                    _("Asked for, within %(low)s–%(high)s (%(clause)s)")
                    % {
                        "low": yuan(low),
                        "high": yuan(high) if high is not None else "…",
                        "clause": rule.citation,
                    },
                    amount,
                )
            )
    elif rule.kind == "floor":
        floor = cast(Decimal, rule.amount)
        asked = figures.requested
        if asked is None:
            errors["requested_amount"] = _("Give the amount asked for.")
        elif asked < floor:
            errors["requested_amount"] = _(
                "The amount is not less than %(floor)s yuan (%(clause)s)."
            ) % {"floor": yuan(floor), "clause": rule.citation}
        else:
            amount = asked
            lines.append(
                Line(
                    _("Asked for, not less than %(floor)s (%(clause)s)")
                    % {"floor": yuan(floor), "clause": rule.citation},
                    amount,
                )
            )
    elif rule.kind == "proportion":
        rate = cast(Decimal, rule.rate)
        base = _base(rule, figures, lines, errors)
        if base is not None:
            amount = (base * rate).quantize(FEN, rounding=ROUND_HALF_UP)
            lines.append(
                Line(
                    _("%(base)s × %(rate)s%% (%(clause)s)")
                    % {
                        "base": yuan(base),
                        "rate": number(rate * 100, 4),
                        "clause": rule.citation,
                    },
                    amount,
                )
            )
    if errors or amount is None:
        return Entitlement(None, lines, errors)
    if rule.cap_per_claim is not None and amount > rule.cap_per_claim:
        amount = rule.cap_per_claim
        lines.append(
            Line(_("Capped at %(cap)s per claim") % {"cap": yuan(rule.cap_per_claim)}, amount)
        )
    if rule.cumulative_cap is not None:
        room = max(rule.cumulative_cap - received, ZERO)
        if amount > room:
            amount = room
            lines.append(
                Line(
                    _(
                        "Cumulative cap %(cap)s per organisation, less %(received)s already "
                        "received under this policy"
                    )
                    % {"cap": yuan(rule.cumulative_cap), "received": yuan(received)},
                    amount,
                )
            )
    amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    lines.append(Line(_("Entitlement"), amount))
    return Entitlement(amount, lines, errors)
