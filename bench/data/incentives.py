"""Incentive claims of the benchmark dataset: 20,000 claims (scaled) over the seeded policies in
every state, the recognitions they rest on, the budgets that pay them and the payments.

Written with bulk_create, not through incentives/services (one claim at a time, audited and
notified); what the services would compute is computed with the same pure function
(`incentives.entitlement.compute`, with what the organisation already received under the policy
for the cumulative caps), so every row is one the portal could have written:

* claimants are eligible: their kind is one the policy names, a city policy's claimants are
  registered in that city, and a qualification policy's hold the recognition (created here when
  missing, first recognised in or after the policy's year); a one-time reward is claimed once
  per organisation and recognition;
* claims are spread from the policies' opening (2024) to today: drafts, submitted, returned,
  rejected, approved (some partly paid) and paid, decided and paid in order, each decision
  within its year's budget (budgets cover what was granted, with room left);
* evidence rows for every submitted claim point at one stored PDF (as the demo does).

Deterministic (one seeded random generator): the same size gives the same rows.
"""

import math
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bench.data.base import Scale, part

WAN = Decimal(10_000)
SEED = 2024
BATCH = 2000
EVIDENCE_FILE = "incentives/bench/基准证明材料.pdf"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Share of the claims per policy code (seeded in incentives/seeds.py).
SHARE = {
    "specialised-province": 0.18,
    "little-giant-province": 0.04,
    "specialised-ankang": 0.03,
    "little-giant-ankang": 0.01,
    "listing-support": 0.06,
    "listing-reserve": 0.07,
    "hv-cultivation-centre": 0.08,
    "ip-operation-centre": 0.04,
    "navigation-project": 0.12,
    "pledge-interest": 0.20,
    "pledge-interest-ankang": 0.05,
    "ip-insurance": 0.05,
    "first-set": 0.07,
}
# Where a policy cannot take its share (too few eligible claimants), the rest goes here.
OVERFLOW = "pledge-interest"
STATES = {
    "draft": 0.08,
    "submitted": 0.14,
    "returned": 0.05,
    "rejected": 0.10,
    "approved": 0.13,
    "paid": 0.50,
}
DECIDED = {"returned", "rejected", "approved", "paid"}
GRANTED = {"approved", "paid"}
RECOGNITION_SOURCES = {
    "specialised_provincial": "陕西省{year}年专精特新中小企业名单（基准数据）",
    "little_giant": "工信部专精特新“小巨人”企业名单（{year}年，基准数据）",
    "listing_reserve": "陕西省{year}年重点上市后备企业名单（基准数据）",
}
BANKS = ["中国建设银行股份有限公司", "中国工商银行股份有限公司", "长安银行股份有限公司",
         "西安银行股份有限公司", "陕西秦农农村商业银行股份有限公司"]  # fmt: skip


def generate(scale: Scale, *, fresh: bool = False) -> None:
    with part("incentives", fresh=fresh) as todo:
        if not todo:
            return
        _Generator(scale).run()


def _at(day: date, hour: int = 10) -> datetime:
    from django.utils import timezone

    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


class _Generator:
    def __init__(self, scale: Scale) -> None:
        from django.utils import timezone

        self.scale = scale
        self.random = random.Random(SEED)  # noqa: S311 (data, not secrets)
        self.today = timezone.localdate()

    def run(self) -> None:
        from bench.data import users as bench_users
        from incentives.eligibility import current_policies
        from portal.models import Organisation

        self.reviewer = bench_users.reviewer()
        self.applicants = bench_users.applicants()
        self.policies = {p.code: p for p in current_policies()}
        organisations = list(
            Organisation.objects.filter(
                status=Organisation.Status.VERIFIED, pk__in=list(self.applicants)
            )
            .select_related("region")
            .order_by("pk")
        )
        self.pools = {
            code: [
                org
                for org in organisations
                if (not policy.claimant_kinds or org.kind in policy.claimant_kinds)
                and org.region.path.startswith(policy.region.path)
            ]
            for code, policy in self.policies.items()
        }
        self._qualifications()
        plans = self._plan()
        claims, payments = self._claims(plans)
        self._budgets(claims, payments)

    # Recognitions ----------------------------------------------------------------------------

    def _qualifications(self) -> None:
        from portal.models import Qualification

        self.held = {
            (q.organisation_id, q.kind, q.year): q
            for q in Qualification.objects.filter(kind__in=list(RECOGNITION_SOURCES))
        }
        self.new_qualifications: list[Qualification] = []

    def _recognition(self, org, kind: str, year: int):
        from portal.models import Qualification

        key = (org.pk, kind, year)
        if key not in self.held:
            self.held[key] = Qualification(
                organisation=org,
                kind=kind,
                year=year,
                recognised_on=date(year, 6, 28),
                source=RECOGNITION_SOURCES[kind].format(year=year),
            )
            self.new_qualifications.append(self.held[key])
        return self.held[key]

    # Which claims ----------------------------------------------------------------------------

    def _plan(self) -> list[dict]:
        """(policy, organisation, state, created) for every claim, oldest first."""
        total = self.scale.n("claims")
        counts = {code: int(total * share) for code, share in SHARE.items()}
        counts[OVERFLOW] += total - sum(counts.values())
        for code in list(counts):
            room = len(self.pools.get(code, []))
            policy = self.policies.get(code)
            if policy is None or not room or (policy.one_time and counts[code] > room):
                counts[OVERFLOW] += counts[code] - (room if policy is not None else 0)
                counts[code] = room if policy is not None else 0
        rnd = self.random
        first = min(p.opens_on for p in self.policies.values())
        span = (self.today - first).days - 5
        plans = []
        for code, count in counts.items():
            pool = self.pools[code]
            if not pool or not count:
                continue
            policy = self.policies[code]
            offset = rnd.randrange(len(pool))
            for serial in range(count):
                org = pool[(offset + serial * 7919) % len(pool)]
                state = _pick(STATES, rnd)
                created = first + timedelta(days=rnd.randrange(span))
                if state in DECIDED and (self.today - created).days < 60:
                    created = max(first, created - timedelta(days=60))
                plans.append(
                    {"policy": policy, "org": org, "state": state, "created": created,
                     "serial": serial}
                )  # fmt: skip
        plans.sort(key=lambda plan: (plan["created"], plan["org"].pk))
        return plans

    # The claims ------------------------------------------------------------------------------

    def _claims(self, plans: list[dict]):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from bench.data.timestamps import as_given
        from incentives.entitlement import Rule, compute
        from incentives.models import Claim, ClaimFile, Payment
        from incentives.selectors import _figures as figures_of
        from portal.models import Qualification

        rnd = self.random
        received: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        # (organisation, recognition) already holding a live claim under a one-time policy
        taken: set[tuple[str, int, int]] = set()
        serials: dict[int, int] = defaultdict(int)
        claims, payments = [], []
        for plan in plans:
            policy, org, state = plan["policy"], plan["org"], plan["state"]
            created = plan["created"]
            claim = Claim(
                policy=policy,
                organisation=org,
                created_by=self.applicants[org.pk],
                description=f"{policy.title}（基准数据）",
            )
            if policy.qualification:
                recognition = self._pick_recognition(plan, taken)
                if recognition is None:
                    continue
                claim.recognition = recognition
            self._figures(claim, policy, created)
            result = compute(
                Rule.of(policy), figures_of(claim), received=received[(org.pk, policy.code)]
            )
            if result.amount is None:
                continue
            if state in GRANTED and result.amount <= 0:
                state = "rejected"  # the cumulative cap is used up: nothing left to grant
            serials[created.year] += 1
            claim.number = f"JL{created.year}-{serials[created.year]:05d}"
            claim.created_at = _at(created, 9 + serials[created.year] % 8)
            claim.updated_at = claim.created_at
            claim.status = state  # initial state of a new record (bulk-created below)
            if state != "draft":
                claim.entitlement, claim.working = result.amount, result.as_list()
                submitted = created + timedelta(days=rnd.randint(1, 10))
                claim.submitted_at = claim.updated_at = _at(min(submitted, self.today), 14)
            if state in DECIDED:
                decided = min(created + timedelta(days=rnd.randint(20, 50)), self.today)
                claim.decided_by, claim.decided_at = self.reviewer, _at(decided, 15)
                claim.updated_at = claim.decided_at
                claim.decision_reason = {
                    "returned": "请补充完整的证明材料后重新提交（基准数据）。",
                    "rejected": "经审核，不符合政策支持条件（基准数据）。",
                }.get(state, "")
            if state in GRANTED:
                amount = result.amount
                if policy.amount_kind in {"range", "floor"} and rnd.random() < 0.2:
                    floor = policy.amount if policy.amount_kind == "floor" else Decimal(0)
                    amount = max(floor, (amount * Decimal("0.8")).quantize(Decimal("0.01")))
                    if amount < result.amount:
                        claim.decision_reason = "按评审意见核减支持金额（基准数据）。"
                claim.approved_amount, claim.budget_year = amount, claim.decided_at.year
                received[(org.pk, policy.code)] += amount
                paid_on = claim.decided_at.date()
                parts = [amount] if state == "paid" else []
                if state == "paid" and rnd.random() < 0.3:
                    half = (amount / 2).quantize(Decimal("0.01"))
                    parts = [half, amount - half]
                elif state == "approved" and rnd.random() < 0.3:
                    parts = [(amount * Decimal("0.3")).quantize(Decimal("0.01"))]
                for index, value in enumerate(parts, start=1):
                    paid_on = min(paid_on + timedelta(days=rnd.randint(10, 40)), self.today)
                    payments.append((claim, paid_on, value, index))
                    claim.updated_at = max(claim.updated_at, _at(paid_on, 16))
            claims.append(claim)
        Qualification.objects.bulk_create(self.new_qualifications, batch_size=BATCH)
        for claim in claims:  # the recognition got its key when bulk-created
            claim.recognition = claim.recognition
        with as_given(Claim):
            Claim.objects.bulk_create(claims, batch_size=BATCH)
        if not default_storage.exists(EVIDENCE_FILE):
            default_storage.save(EVIDENCE_FILE, ContentFile(PDF))
        files = [
            ClaimFile(
                claim=claim,
                label=label,
                file=EVIDENCE_FILE,
                original_name=f"{label}.pdf",
                uploaded_by=claim.created_by,
                uploaded_at=claim.submitted_at,
            )
            for claim in claims
            if claim.submitted_at is not None
            for label in claim.policy.evidence
        ]
        with as_given(ClaimFile):
            ClaimFile.objects.bulk_create(files, batch_size=BATCH)
        rows = [
            Payment(
                claim=claim,
                paid_on=paid_on,
                amount=value,
                voucher=f"{_treasury(claim)}-B-{claim.number}-{index}",
                recorded_by=self.reviewer,
                recorded_at=_at(paid_on, 16),
            )
            for claim, paid_on, value, index in payments
        ]  # fmt: skip
        with as_given(Payment):
            Payment.objects.bulk_create(rows, batch_size=BATCH)
        return claims, rows

    def _pick_recognition(self, plan: dict, taken: set):
        """The recognition a qualification policy's claim rests on (created when missing): for a
        one-time reward one not yet claimed (None when every year is taken)."""
        policy, org = plan["policy"], plan["org"]
        since = policy.qualified_since or 2023
        years = list(range(since, min(self.today.year, plan["created"].year) + 1)) or [since]
        live = plan["state"] in {"submitted", "approved", "paid"}
        for year in sorted(years, key=lambda y: (y + plan["serial"]) % len(years)):
            key = (policy.code, org.pk, year)
            if policy.one_time and key in taken:
                continue
            if policy.one_time and live:
                taken.add(key)
            return self._recognition(org, policy.qualification, year)
        return None

    def _figures(self, claim, policy, created: date) -> None:
        rnd = self.random
        if policy.amount_kind == "range":
            low = policy.amount_min or Decimal(0)
            high = policy.amount_max or low + 300 * WAN
            claim.requested_amount = max(
                low, Decimal(rnd.randint(int(low / WAN) + 1, int(high / WAN))) * WAN
            )
        elif policy.amount_kind == "floor":
            claim.requested_amount = policy.amount + Decimal(rnd.randint(0, 40)) * WAN
        elif policy.duration_months:  # an interest subsidy: a loan and its interest payments
            loan = Decimal(rnd.randint(2, 300)) * 10 * WAN
            start = created - timedelta(days=rnd.randint(200, 700))
            claim.loan_bank = rnd.choice(BANKS)
            claim.loan_contract = f"质贷字{start.year}第{rnd.randint(1, 9999):04d}号"
            claim.loan_amount, claim.loan_start = loan, start
            claim.loan_end = start + timedelta(days=730)
            interest = (loan * Decimal("0.0215")).quantize(Decimal("0.01"))
            day, rows = start, []
            while True:
                day += timedelta(days=182)
                if day > created or len(rows) == 4:
                    break
                rows.append({"date": day.isoformat(), "amount": str(interest)})
            claim.interest_payments = rows or [
                {"date": (start + timedelta(days=30)).isoformat(), "amount": str(interest)}
            ]
        elif policy.amount_kind == "proportion":
            claim.base_amount = Decimal(rnd.randint(10, 100)) * 1000

    def _budgets(self, claims: list, payments: list) -> None:
        """Each policy's budget per year covers what it granted that year, with room left."""
        from incentives.models import Budget

        granted: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for claim in claims:
            if claim.budget_year:
                granted[(claim.policy.code, claim.budget_year)] += claim.approved_amount
        years = range(min(p.opens_on.year for p in self.policies.values()), self.today.year + 1)
        existing = set(Budget.objects.values_list("policy_code", "year", "region_id"))
        rows = []
        for code, policy in sorted(self.policies.items()):
            for year in years:
                if (code, year, policy.region_id) in existing:
                    continue
                total = granted.get((code, year), Decimal(0))
                allocated = Decimal(math.ceil(total * Decimal("1.25") / WAN / 100 + 1) * 100) * WAN
                rows.append(
                    Budget(policy_code=code, year=year, region=policy.region, allocated=allocated,
                           source="基准测试预算")
                )  # fmt: skip
        Budget.objects.bulk_create(rows)


def _treasury(claim) -> str:
    return "AKCZ" if claim.policy.level == "city" else "SXCZ"


def _pick(shares: dict, rnd: random.Random) -> str:
    value = rnd.random()
    for key, share in shares.items():
        value -= share
        if value < 0:
            return key
    return key
