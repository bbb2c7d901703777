"""Demo incentives: budgets, recognitions and claims under every policy in every status.

Called by `manage.py load_demo` (demo/management/commands/load_demo.py) after the patent pool
and before the statistics, whose progress computation then counts the payments (the indicator
of incentive money paid). The policies themselves are seeded by incentives.seeds.

* Budgets (source "演示预算") for 2025 and the year of the load for every policy: province
  policies from 陕西省 (610000), Ankang's from 安康市 (610900).
* The demo enterprise (user `enterprise`, 安康市) is recognised as a national little giant in
  2024 but holds no claim under the little-giant policies, nor under the provincial pledge
  interest subsidy: the browser journey claims those (tests/e2e/test_incentives_journey.py).
* Five more demo enterprises, each with an applicant account (password DEMO_PASSWORD), and
  the demo university, park, agency and county park claim under every policy.
* 2025's claims, the last year of the 2023–2025 plan period, were decided and paid in 2025:
  history, written through the ORM with dates in the past (the services date a decision today),
  their entitlement computed by the one pure function (incentives.entitlement.compute) with its
  working. This year's go through the services as of the day of the load (`today`, or the last
  day the policies take claims when they have closed), each step checked as on the pages: drafts,
  submitted, returned, approved (one partly paid, on the day of the load), rejected and paid
  claims. Their evidence rows point at one stored demo PDF rather than a file per claim.

Idempotent: an organisation's claims under a policy are counted, and only the planned ones
beyond that count are made; budgets, organisations, users and recognitions are found by their
natural keys. Fast enough for the e2e fixture, which reloads the demo before every test.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from incentives import events, services
from incentives.entitlement import Figures, Rule, compute
from incentives.models import Budget, Claim, ClaimFile, Payment, Policy
from incentives.workflow import CLAIM
from portal import events as portal_events
from portal import workflow as engine
from portal.models import Organisation, Qualification, Region, Role, User
from portal.services import audit_record, qualification_add

WAN = Decimal(10_000)
PAST_YEAR = 2025
BUDGET_SOURCE = "演示预算"
EVIDENCE_FILE = "incentives/demo/演示证明材料.pdf"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# Allocations (万元) per policy code, the same for 2025 and this year.
BUDGETS = {
    "hv-cultivation-centre": 1500,
    "specialised-province": 1000,
    "little-giant-province": 2000,
    "specialised-ankang": 100,
    "little-giant-ankang": 200,
    "listing-support": 1000,
    "listing-reserve": 800,
    "ip-operation-centre": 500,
    "navigation-project": 600,
    "pledge-interest": 1000,
    "pledge-interest-ankang": 150,
    "ip-insurance": 50,
    "first-set": 1500,
}

# More claimants: key, name, region code, first 17 characters of the credit code (load_demo's
# scheme), user name, the applicant's name.
ENTERPRISES = [
    ("tea", "安康示范富硒茶业股份有限公司（演示）", "610902", "91610902MA7DEM101", "tea", "黄茶业"),
    ("xunyang", "旬阳示范新材料有限公司（演示）", "610981", "91610981MA7DEM102", "xunyang",
     "林材料"),
    ("chip", "西安示范半导体科技有限公司（演示）", "610100", "91610100MA6DEM103", "chip", "何芯片"),
    ("machine", "宝鸡示范数控装备有限公司（演示）", "610300", "91610300MA6DEM104", "machine",
     "罗装备"),
    ("aero", "汉中示范航空零部件有限公司（演示）", "610700", "91610700MA6DEM105", "aero",
     "梁航空"),
]  # fmt: skip

LITTLE_GIANT_6 = "工信部第六批专精特新“小巨人”企业名单（演示）"
# key, kind, year, recognised on, source
RECOGNITIONS = [
    ("enterprise", Qualification.Kind.LITTLE_GIANT, 2024, date(2024, 7, 26), LITTLE_GIANT_6),
    ("tea", Qualification.Kind.LITTLE_GIANT, 2024, date(2024, 7, 26), LITTLE_GIANT_6),
    ("chip", Qualification.Kind.LITTLE_GIANT, 2025, date(2025, 7, 18),
     "工信部第七批专精特新“小巨人”企业名单（演示）"),
    ("xunyang", Qualification.Kind.SPECIALISED_PROVINCIAL, 2025, date(2025, 6, 20),
     "陕西省2025年专精特新中小企业名单（演示数据）"),
    ("machine", Qualification.Kind.SPECIALISED_PROVINCIAL, 2024, date(2024, 6, 28),
     "陕西省2024年专精特新中小企业名单（演示数据）"),
    ("machine", Qualification.Kind.LISTING_RESERVE, 2023, date(2023, 5, 10),
     "陕西省2023年重点上市后备企业名单（演示数据）"),
    ("machine", Qualification.Kind.LISTING_RESERVE, 2024, date(2024, 5, 16),
     "陕西省2024年重点上市后备企业名单（晋档，演示数据）"),
]  # fmt: skip

S = Claim.Status


@dataclass(frozen=True)
class Planned:
    """A demo claim. `recognition` is (kind, year) of the claimant's qualification; `approve`
    the approved amount (None: the entitlement); `payments` the amounts paid (with their dates
    for a past claim). A past claim was submitted on `submitted` and decided on `decided`."""

    key: str
    code: str
    status: str
    note: str
    figures: dict = field(default_factory=dict)
    recognition: tuple[str, int] | None = None
    approve: Decimal | None = None
    reason: str = ""
    payments: tuple = ()
    submitted: date | None = None
    decided: date | None = None

    @property
    def past(self) -> bool:
        return self.decided is not None


def _interest(*rows: tuple[str, int]) -> list[dict]:
    return [{"date": day, "amount": f"{amount}.00"} for day, amount in rows]


LG, SP, LR = (
    Qualification.Kind.LITTLE_GIANT,
    Qualification.Kind.SPECIALISED_PROVINCIAL,
    Qualification.Kind.LISTING_RESERVE,
)
# Decided and paid in 2025 (budget year 2025).
PAST = [
    Planned("university", "hv-cultivation-centre", S.PAID,
            "新一代电池材料高价值专利培育中心（演示）", {"requested_amount": 50 * WAN},
            submitted=date(2025, 3, 12), decided=date(2025, 5, 20),
            payments=((date(2025, 6, 18), 50 * WAN),)),
    Planned("enterprise", "specialised-province", S.PAID, "2024年首次认定省级专精特新（演示）",
            recognition=(SP, 2024), submitted=date(2025, 2, 26), decided=date(2025, 4, 8),
            payments=((date(2025, 4, 25), 20 * WAN),)),
    Planned("tea", "little-giant-province", S.PAID, "第六批国家级专精特新“小巨人”（演示）",
            recognition=(LG, 2024), submitted=date(2025, 6, 3), decided=date(2025, 8, 22),
            payments=((date(2025, 9, 12), 50 * WAN),)),
    Planned("tea", "little-giant-ankang", S.PAID, "第六批“小巨人”市级奖励（演示）",
            recognition=(LG, 2024), submitted=date(2025, 6, 3), decided=date(2025, 9, 26),
            payments=((date(2025, 10, 15), 20 * WAN),)),
    Planned("chip", "listing-support", S.PAID, "科创板上市辅导备案（演示）",
            {"requested_amount": 80 * WAN}, submitted=date(2025, 4, 14), decided=date(2025, 6, 27),
            payments=((date(2025, 7, 10), 40 * WAN), (date(2025, 12, 5), 40 * WAN))),
    Planned("machine", "listing-reserve", S.PAID, "2023年入选省级上市后备企业（演示）",
            {"requested_amount": 30 * WAN}, recognition=(LR, 2023), submitted=date(2025, 5, 9),
            decided=date(2025, 7, 30), payments=((date(2025, 8, 20), 30 * WAN),)),
    Planned("agency", "ip-operation-centre", S.PAID,
            "新材料产业知识产权运营中心2024年度绩效（演示）", {"requested_amount": 60 * WAN},
            submitted=date(2025, 8, 18), decided=date(2025, 11, 6),
            payments=((date(2025, 11, 28), 60 * WAN),)),
    Planned("park", "navigation-project", S.PAID, "安康高新区富硒食品产业规划类专利导航（演示）",
            {"requested_amount": 20 * WAN}, submitted=date(2025, 3, 3), decided=date(2025, 5, 12),
            payments=((date(2025, 5, 30), 20 * WAN),)),
    Planned("aero", "pledge-interest", S.PAID, "2023年专利质押贷款贴息（演示）",
            {"loan_bank": "中国建设银行股份有限公司汉中分行",
             "loan_contract": "建汉质贷字2023第0401号", "loan_amount": 2000 * WAN,
             "loan_start": date(2023, 4, 1), "loan_end": date(2025, 3, 31),
             "interest_payments": _interest(("2023-10-01", 620000), ("2024-04-01", 620000),
                                            ("2024-10-01", 620000), ("2025-03-31", 400000))},
            submitted=date(2025, 6, 16), decided=date(2025, 9, 2),
            payments=((date(2025, 9, 30), 50 * WAN),)),
    Planned("xunyang", "ip-insurance", S.PAID, "2025年度专利执行保险保费补贴（演示）",
            {"base_amount": Decimal(60000)}, submitted=date(2025, 9, 8),
            decided=date(2025, 11, 20), payments=((date(2025, 12, 18), Decimal(30000)),)),
    Planned("machine", "first-set", S.PAID, "五轴联动数控机床首台（套）（演示）",
            {"requested_amount": 200 * WAN}, submitted=date(2025, 7, 7),
            decided=date(2025, 12, 1), payments=((date(2025, 12, 26), 200 * WAN),)),
]  # fmt: skip

# This year's, through the services as of today.
CURRENT = [
    Planned("chip", "hv-cultivation-centre", S.SUBMITTED, "集成电路高价值专利培育中心（演示）",
            {"requested_amount": 35 * WAN}),
    Planned("xunyang", "specialised-province", S.SUBMITTED, "2025年首次认定省级专精特新（演示）",
            recognition=(SP, 2025)),
    Planned("machine", "specialised-province", S.REJECTED, "2024年认定省级专精特新（演示）",
            recognition=(SP, 2024),
            reason="经核查，该企业2024年为复核通过，不属于首次认定（演示）"),
    Planned("chip", "little-giant-province", S.APPROVED, "第七批国家级专精特新“小巨人”（演示）",
            recognition=(LG, 2025)),
    Planned("enterprise", "specialised-ankang", S.PAID,
            "2024年首次认定省级专精特新市级奖励（演示）", recognition=(SP, 2024),
            payments=(10 * WAN,)),
    Planned("xunyang", "specialised-ankang", S.SUBMITTED, "2025年省级专精特新市级奖励（演示）",
            recognition=(SP, 2025)),
    Planned("aero", "listing-support", S.RETURNED, "北交所上市辅导（演示）",
            {"requested_amount": 60 * WAN}, reason="请补充证监局辅导备案受理通知书（演示）"),
    Planned("machine", "listing-reserve", S.SUBMITTED, "2024年晋档为省级上市后备A档（演示）",
            {"requested_amount": 30 * WAN}, recognition=(LR, 2024)),
    Planned("enterprise", "listing-reserve", S.DRAFT, "2023年入选省级上市后备企业（演示）",
            {"requested_amount": 20 * WAN}, recognition=(LR, 2023)),
    Planned("park", "ip-operation-centre", S.SUBMITTED, "富硒食品产业知识产权运营中心（演示）",
            {"requested_amount": 50 * WAN}),
    Planned("county", "navigation-project", S.APPROVED, "汉阴县新型材料企业经营类专利导航（演示）",
            {"requested_amount": 15 * WAN}, payments=(5 * WAN,)),
    Planned("aero", "navigation-project", S.DRAFT, "航空紧固件研发活动类专利导航（演示）",
            {"requested_amount": 20 * WAN}),
    Planned("agency", "navigation-project", S.REJECTED, "新能源汽车产业规划类专利导航（演示）",
            {"requested_amount": 25 * WAN},
            reason="任务书未明确导航成果的应用计划与考核指标（演示）"),
    Planned("machine", "pledge-interest", S.SUBMITTED, "2024年专利质押贷款贴息（演示）",
            {"loan_bank": "宝鸡银行股份有限公司高新支行",
             "loan_contract": "宝银质贷字2024第0315号", "loan_amount": 1000 * WAN,
             "loan_start": date(2024, 3, 15), "loan_end": date(2026, 3, 13),
             "interest_payments": _interest(("2024-09-20", 210000), ("2025-03-20", 210000),
                                            ("2025-09-20", 210000), ("2026-03-13", 60000))}),
    Planned("tea", "pledge-interest-ankang", S.APPROVED, "2024年专利质押贷款贴息（安康，演示）",
            {"loan_bank": "安康农村商业银行股份有限公司",
             "loan_contract": "安农商质贷字2024第0510号", "loan_amount": 500 * WAN,
             "loan_start": date(2024, 5, 10), "loan_end": date(2025, 11, 10),
             "interest_payments": _interest(("2024-11-10", 110000), ("2025-05-10", 110000),
                                            ("2025-11-10", 110000))}),
    Planned("xunyang", "pledge-interest-ankang", S.DRAFT, "2025年专利质押贷款贴息（演示）",
            {"loan_bank": "陕西旬阳农村商业银行股份有限公司",
             "loan_contract": "旬农商质贷字2025第0218号", "loan_amount": 300 * WAN,
             "loan_start": date(2025, 2, 18)}),
    Planned("tea", "ip-insurance", S.RETURNED, "本年度专利执行保险保费补贴（演示）",
            {"base_amount": Decimal(48000)},
            reason="保费缴纳凭证金额与保险合同不一致，请核对后重新提交（演示）"),
    Planned("aero", "first-set", S.SUBMITTED, "航空钛合金紧固件新材料首批次（演示）",
            {"requested_amount": 120 * WAN}),
]  # fmt: skip


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _fen(value):
    """A Decimal as the database returns it (to the fen), so the working reads the same."""
    return value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value


def _voucher(claim: Claim, index: int) -> str:
    """A demo treasury voucher number: the province's or the city's, by the policy's level."""
    treasury = "AKCZ" if claim.policy.level == Policy.Level.CITY else "SXCZ"
    return f"{treasury}-{claim.number}-{index}"


def _figures(claim: Claim) -> Figures:
    """The claim's figures as the entitlement reads them (what services do for a saved claim)."""
    return Figures(
        requested=claim.requested_amount,
        base=claim.base_amount,
        start=claim.loan_start,
        payments=tuple(
            (date.fromisoformat(row["date"]), Decimal(row["amount"]))
            for row in claim.interest_payments
        ),
    )


@transaction.atomic
def load(
    *, organisations: Mapping[str, Organisation] | None = None, today: date | None = None
) -> int:
    """Create the demo budgets, recognitions and claims that are missing, as of `today`
    (default: today); return the rows created."""
    orgs, created = _organisations(organisations)
    applicants = _applicants(orgs)
    created += _users(orgs, applicants)
    created += _recognitions(orgs)
    policies = {p.code: p for p in Policy.objects.filter(is_active=True).select_related("region")}
    today = today or timezone.localdate()
    # Claims are made as of today, inside the policies' window (the seeded ones close at the
    # end of 2026; after that the demo still claims on their last day).
    as_of = min(today, max((p.closes_on for p in policies.values()), default=today))
    created += _budgets(policies, sorted({PAST_YEAR, today.year, as_of.year}))
    reviewer = User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("pk").first()
    if reviewer is None:
        return created
    existing = Counter(
        {
            (row["organisation_id"], row["policy__code"]): row["n"]
            for row in Claim.objects.filter(organisation__in=orgs.values())
            .values("organisation_id", "policy__code")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    seen: Counter = Counter()
    past: list[Planned] = []
    current: list[Planned] = []
    for plan in PAST + CURRENT:
        if plan.code not in policies:
            continue
        slot = (orgs[plan.key].pk, plan.code)
        seen[slot] += 1
        if seen[slot] > existing[slot]:
            (past if plan.past else current).append(plan)
    made = _past_claims(past, orgs, applicants, policies, reviewer)
    for plan in current:
        made += _current_claim(plan, orgs, applicants, policies, reviewer, as_of, today)
    if made:
        audit_record(actor=None, actor_label="load_demo", event=events.DEMO_INCENTIVES,
                     after={"claims": made})  # fmt: skip
    return created + made


def _organisations(
    organisations: Mapping[str, Organisation] | None,
) -> tuple[dict[str, Organisation], int]:
    """load_demo's organisations (looked up when not given) and the demo claimants."""
    from portal.demo import ORGANISATIONS, demo_credit_code

    found = dict(organisations or {})
    missing = [row for row in ORGANISATIONS if row[0] not in found]
    if missing:
        by_code = Organisation.objects.in_bulk(
            [demo_credit_code(row[4]) for row in missing], field_name="credit_code"
        )
        for key, *_rest, body in missing:
            found[key] = by_code[demo_credit_code(body)]
    existing = Organisation.objects.in_bulk(
        [demo_credit_code(row[3]) for row in ENTERPRISES], field_name="credit_code"
    )
    regions = {r.code: r for r in Region.objects.filter(code__in={r[2] for r in ENTERPRISES})}
    created = 0
    for key, name, region_code, body, _username, _person in ENTERPRISES:
        org = existing.get(demo_credit_code(body))
        if org is None:
            org = Organisation.objects.create(
                credit_code=demo_credit_code(body), name=name,
                kind=Organisation.Kind.ENTERPRISE, region=regions[region_code],
                status=Organisation.Status.VERIFIED, contact_name="演示联系人",
            )  # fmt: skip
            created += 1
        found[key] = org
    return found, created


def _applicants(orgs: Mapping[str, Organisation]) -> dict[int, User]:
    """organisation id → its first active applicant."""
    found: dict[int, User] = {}
    for user in User.objects.filter(
        role=Role.APPLICANT, organisation__in=orgs.values(), is_active=True
    ).order_by("pk"):
        # Filtered by organisation above: every one has an organisation.
        found.setdefault(cast(int, user.organisation_id), user)
    return found


def _users(orgs: Mapping[str, Organisation], applicants: dict[int, User]) -> int:
    """An applicant account for each demo claimant that has none (one password hash for all:
    they share the demo password)."""
    taken = set(
        User.objects.filter(username__in=[row[4] for row in ENTERPRISES]).values_list(
            "username", flat=True
        )
    )
    password = None
    created = 0
    for key, _name, _region, _body, username, person in ENTERPRISES:
        org = orgs[key]
        if org.pk in applicants or username in taken:
            continue
        password = password or make_password(settings.DEMO_PASSWORD)
        user = User.objects.create(
            username=username, name=person, role=Role.APPLICANT, organisation=org,
            email=f"{username}@demo.invalid", password=password,
        )  # fmt: skip
        audit_record(
            actor=None, actor_label="load_demo", event=portal_events.DEMO_USER_CREATE, target=user
        )
        applicants[org.pk] = user
        created += 1
    return created


def _recognitions(orgs: Mapping[str, Organisation]) -> int:
    held = set(
        Qualification.objects.filter(organisation__in=orgs.values()).values_list(
            "organisation_id", "kind", "year"
        )
    )
    created = 0
    for key, kind, year, recognised_on, source in RECOGNITIONS:
        if (orgs[key].pk, kind, year) in held:
            continue
        qualification_add(actor=None, organisation=orgs[key], kind=kind, year=year,
                          recognised_on=recognised_on, source=source)  # fmt: skip
        created += 1
    return created


def _budgets(policies: Mapping[str, Policy], years: list[int]) -> int:
    existing = set(
        Budget.objects.filter(year__in=years).values_list("policy_code", "year", "region_id")
    )
    new = [
        Budget(policy_code=code, year=year, region=policy.region,
               allocated=Decimal(BUDGETS.get(code, 100)) * WAN, source=BUDGET_SOURCE)
        for year in years
        for code, policy in sorted(policies.items())
        if (code, year, policy.region_id) not in existing
    ]  # fmt: skip
    Budget.objects.bulk_create(new)
    return len(new)


def _evidence(claims: list[Claim], uploader: Mapping[int, User]) -> None:
    """The evidence each claim's policy requires, as rows pointing at one stored demo PDF."""
    if not default_storage.exists(EVIDENCE_FILE):
        default_storage.save(EVIDENCE_FILE, ContentFile(PDF))
    ClaimFile.objects.bulk_create(
        ClaimFile(claim=claim, label=label, file=EVIDENCE_FILE, original_name=f"{label}.pdf",
                  uploaded_by=uploader[claim.pk])
        for claim in claims
        for label in claim.policy.evidence
    )  # fmt: skip


def _recognition(org: Organisation, wanted: tuple[str, int] | None) -> Qualification | None:
    if wanted is None:
        return None
    return Qualification.objects.filter(organisation=org, kind=wanted[0], year=wanted[1]).first()


def _past_claims(
    plans: list[Planned],
    orgs: Mapping[str, Organisation],
    applicants: Mapping[int, User],
    policies: Mapping[str, Policy],
    reviewer: User,
) -> int:
    """2025's claims, decided and paid then: the ORM, with the entitlement computed by
    incentives.entitlement and what the organisation had received before under the policy."""
    if not plans:
        return 0
    prefix = f"JL{PAST_YEAR}-"
    last = (
        Claim.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.removeprefix(prefix)) if last else 0
    received: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    claims, payments, dated = [], [], []
    last_paid: dict[int, datetime] = {}
    # Past plans only (plan.past): each was decided, and each in PAST gives its submission date.
    for plan in sorted(plans, key=lambda p: cast(date, p.decided)):
        decided, submitted = cast(date, plan.decided), cast(date, plan.submitted)
        org, policy = orgs[plan.key], policies[plan.code]
        user = applicants.get(org.pk)
        if user is None:
            continue
        paid = sum((amount for _day, amount in plan.payments), Decimal(0))
        # A past claim is loaded in the state it reached then, with its history (below).
        claim = Claim(
            policy=policy, organisation=org, created_by=user, description=plan.note,
            recognition=_recognition(org, plan.recognition),
            **{name: _fen(value) for name, value in plan.figures.items()},
        )  # fmt: skip
        result = compute(Rule.of(policy), _figures(claim),
                         received=received[(org.pk, policy.code)])  # fmt: skip
        # The demo's figures satisfy their policies' rules: the entitlement computes.
        amount = plan.approve if plan.approve is not None else cast(Decimal, result.amount)
        claim.status = S.PAID if paid == amount else S.APPROVED  # initial state of a new record
        serial += 1
        claim.number = f"{prefix}{serial:05d}"
        claim.entitlement, claim.working = result.amount, result.as_list()
        claim.approved_amount, claim.budget_year = amount, PAST_YEAR
        decided_at = _moment(decided, 15)
        claim.decided_by, claim.decided_at = reviewer, decided_at
        claim.submitted_at = _moment(submitted)
        claim.decision_reason = plan.reason
        dated.append((claim, _moment(submitted, 9), decided_at))
        received[(org.pk, policy.code)] += amount
        claims.append(claim)
        for day, value in plan.payments:
            payments.append((claim, day, value))
        if plan.payments:
            last_paid[id(claim)] = _moment(max(day for day, _value in plan.payments), 16)
    Claim.objects.bulk_create(claims)
    # auto_now_add dated them today: put the history back where it happened.
    for claim, created_at, decided_at in dated:
        claim.created_at, claim.updated_at = created_at, decided_at
    Claim.objects.bulk_update(claims, ["created_at", "updated_at"])
    engine.backfill(
        CLAIM,
        [
            step
            for claim in claims
            for step in (
                (claim, "submit", claim.created_by, claim.submitted_at, ""),
                (claim, "approve", reviewer, claim.decided_at, claim.decision_reason),
                *([(claim, "pay", reviewer, last_paid[id(claim)], "")]
                  if claim.status == S.PAID else []),
            )
        ],
    )  # fmt: skip
    _evidence(claims, {claim.pk: claim.created_by for claim in claims})
    index: Counter = Counter()
    rows = []
    for claim, day, value in payments:
        index[claim.number] += 1
        rows.append(Payment(claim=claim, paid_on=day, amount=value, recorded_by=reviewer,
                            voucher=_voucher(claim, index[claim.number])))  # fmt: skip
    Payment.objects.bulk_create(rows)
    for payment in rows:
        payment.recorded_at = _moment(payment.paid_on, 16)
    Payment.objects.bulk_update(rows, ["recorded_at"])
    return len(claims) + len(rows)


def _current_claim(
    plan: Planned,
    orgs: Mapping[str, Organisation],
    applicants: Mapping[int, User],
    policies: Mapping[str, Policy],
    reviewer: User,
    as_of: date,
    today: date,
) -> int:
    """One of this year's claims, through the services as of `as_of` (paid on `today`); skipped
    when they refuse it (a claim made in the UI before the demo was loaded, say)."""
    org, policy = orgs[plan.key], policies[plan.code]
    user = applicants.get(org.pk)
    if user is None:
        return 0
    data = {"description": plan.note, **plan.figures}
    recognition = _recognition(org, plan.recognition)
    if recognition is not None:
        data["recognition"] = recognition
    try:
        with transaction.atomic():
            claim = services.claim_create(actor=user, policy=policy, data=data, today=as_of)
            made = 1
            if plan.status == S.DRAFT:
                return made
            _evidence([claim], {claim.pk: user})
            claim = services.claim_submit(actor=user, claim=claim, today=as_of)
            if plan.status == S.RETURNED:
                services.claim_return(actor=reviewer, claim=claim, reason=plan.reason)
            elif plan.status == S.REJECTED:
                services.claim_reject(actor=reviewer, claim=claim, reason=plan.reason)
            elif plan.status in Claim.GRANTED:
                # claim_submit kept the entitlement it computed with the claim.
                entitlement = cast(Decimal, claim.entitlement)
                amount = plan.approve if plan.approve is not None else entitlement
                claim = services.claim_approve(actor=reviewer, claim=claim, amount=amount,
                                               reason=plan.reason, today=as_of)  # fmt: skip
                for index, value in enumerate(plan.payments, start=1):
                    services.claim_pay(actor=reviewer, claim=claim, paid_on=today,
                                       amount=value, voucher=_voucher(claim, index))  # fmt: skip
                    made += 1
            return made
    except ValidationError:
        return 0
