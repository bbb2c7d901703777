"""The patent pool of the benchmark dataset: 200,000 patents (scaled) of the generated
universities and institutes, 5,000 technology needs of the generated enterprises, their
suggestions, some feedback, and conversion events.

Titles, abstracts, IPC classes and industry sub-fields come from the demo pool's vocabulary
(patents/demo.py: six fields, each with its subjects, steps, effects and uses), so the text the
matching segments reads like the real thing; every university gets two to four fields of its
own. Application numbers carry the check character of portal.identifiers (serials from
5,000,000, clear of the demo's); legal status is as of the demo's AS_OF (2025-12-31). About 60%
of the unconverted valid patents are screened (tiers A/B/C about 20/50/30) by the owner's bench
applicant.

Rows are written with bulk_create in batches, not through the services (an audited import per
university, a need at a time: what the services check is built in here). The needs are then
matched by the real matching service (patents.services.needs_match: what the portal stores
when each need is posted), and a tenth of the needs give feedback on their top suggestions,
which re-tiers those patents by the service's own rule (services.tier_from_feedback).
Conversion events (about 1.5% of the patents, 2023-2025) go on granted valid patents, one kind
per patent, so no event contradicts another (an exclusive licence and an open licence, say);
transfers, licences, contracts and use-first agreements mark the patent converted.

Deterministic (one seeded random generator): the same size gives the same rows.
"""

import random
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from bench.data.base import Scale, enterprises, part, universities

SEED = "bench-patents"
BATCH = 5000
SERIAL_FROM = 5_000_000
WAN = 10_000
FIELD_KEYS = ["materials", "ict", "equipment", "environment", "medicine", "agriculture"]
YEARS = list(range(2010, 2025))
SCREENED_SHARE = 0.6
FEEDBACK_SHARE = 0.1  # of the needs give feedback on their top suggestions
EVENT_SHARE = 0.015  # of the patents carry a conversion event
# Conversion events: kind → weight.
EVENT_KINDS = {
    "licence": 30,
    "transfer": 25,
    "contract": 15,
    "open_licence": 12,
    "pledge": 10,
    "use_first": 5,
    "product_filing": 3,
}
NEED_SUFFIXES = ("技术", "关键技术", "工艺优化", "产业化技术", "技术合作", "成套技术")
NEED_PAINS = (
    "现有工艺成本偏高、良品率不稳定",
    "产品性能与进口同类产品仍有差距",
    "生产效率低，人工依赖程度高",
    "能耗和排放需要进一步降低",
    "缺少自主知识产权，制约新产品开发",
)
COOPERATION_WORDS = {"transfer": "专利转让", "licence": "专利许可", "joint": "联合开发"}


def generate(scale: Scale, *, fresh: bool = False) -> None:
    with part("patents", fresh=fresh) as todo:
        if not todo:
            return
        from bench.data import users

        _clear()
        rng = random.Random(SEED)  # noqa: S311  (invented data, not security)
        owners = list(universities())
        people = users.applicants()
        started = time.perf_counter()
        patents = _patents(scale, rng, owners, people)
        print(f"    {len(patents):,} patents in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        events = _conversions(rng, patents, people)
        print(f"    {events:,} conversion events in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        needs = _needs(scale, rng, people)
        print(f"    {len(needs):,} needs in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        suggested = _match(needs)
        print(f"    {suggested:,} suggestions in {time.perf_counter() - started:.1f} s")
        given = _feedback(rng, needs)
        print(f"    {given:,} feedback given")
        from portal.services import audit_record

        audit_record(
            actor=None,
            actor_label="bench/data/patents.py",
            event="bench.patents",
            after={"patents": len(patents), "needs": len(needs), "suggestions": suggested,
                   "feedback": given, "conversions": events},
        )  # fmt: skip


def _clear() -> None:
    """Delete what an earlier generation of this part left (the part runs again when its
    version changed, or with fresh=True): the generated owners' patents with their events,
    suggestions and feedback, the generated enterprises' needs, and the inbox rows matching
    wrote. One DELETE each (QuerySet._raw_delete): delete() would load every row to cascade."""
    from django.db.models import Q

    from patents.models import Conversion, Feedback, Match, Patent, Push, TechNeed
    from portal.models import Notification

    patents = Patent.objects.filter(owner__in=universities())
    needs = TechNeed.objects.filter(organisation__in=enterprises())
    matches = Match.objects.filter(Q(patent__in=patents) | Q(need__in=needs))
    for rows in (
        Feedback.objects.filter(match__in=matches),
        matches,
        needs,
        Conversion.objects.filter(patent__in=patents),
        Push.objects.filter(patent__in=patents),
        patents,
        Notification.objects.filter(
            event="patent.match.new", recipient__username__startswith="bench_"
        ),
    ):
        rows._raw_delete(rows.db)


# Patents -------------------------------------------------------------------------------------


def _shares(total: int, owners: int, rng: random.Random) -> list[int]:
    """Patents per owner: a few large universities and many small institutes (Zipf-like),
    adding up to `total`."""
    weights = [1 / (rank + 1) ** 0.8 * rng.uniform(0.8, 1.2) for rank in range(owners)]
    rng.shuffle(weights)
    counts = [int(total * w / sum(weights)) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % owners] += 1
    return counts


def _fields(rng: random.Random) -> dict[str, int]:
    """An owner's fields with their shares: two to four, one dominant."""
    keys = rng.sample(FIELD_KEYS, rng.randint(2, 4))
    return {key: (60 if index == 0 else rng.randint(10, 30)) for index, key in enumerate(keys)}


def _patents(scale, rng, owners, people) -> list:
    """Plan, then bulk-create, the pool. Returns the planned (and saved) patents with their
    subject's product on `_product` (for patent-product filings)."""
    from patents import demo
    from patents.models import Patent
    from portal.identifiers import patent_check_character

    K = Patent.Kind
    makers = {K.INVENTION: demo._invention, K.UTILITY_MODEL: demo._utility_model,
              K.DESIGN: demo._design}  # fmt: skip
    type_digits = {K.INVENTION: "1", K.UTILITY_MODEL: "2", K.DESIGN: "3"}
    serials: Counter = Counter()
    year_weights = [2 + (year - YEARS[0]) for year in YEARS]
    screen_first, screen_last = date(2024, 1, 8), date(2025, 11, 28)
    span = (screen_last - screen_first).days
    planned = []
    counts = _shares(scale.n("patents"), len(owners), rng)
    for owner, count in zip(owners, counts, strict=True):
        shares = _fields(rng)
        faculty = [demo._name(rng) for _ in range(max(20, min(count // 25, 400)))]
        screener = people.get(owner.pk)
        for _ in range(count):
            field_key = rng.choices(list(shares), weights=list(shares.values()))[0]
            f = demo.FIELDS[field_key]
            kind = rng.choices([K.INVENTION, K.UTILITY_MODEL, K.DESIGN], weights=[78, 18, 4])[0]
            subject, title, abstract = makers[kind](rng, field_key)
            year = rng.choices(YEARS, year_weights)[0]
            filed = demo._day(rng, date(year, 1, 4), date(year, 12, 28))
            serials[(year, kind)] += 1
            digits = f"{year}{type_digits[kind]}{SERIAL_FROM + serials[(year, kind)]:07d}"
            status, granted = demo._legal(rng, kind, filed)
            lead = faculty[min(int(rng.expovariate(0.12)), len(faculty) - 1)]
            team = [lead, *(rng.choice(faculty) if rng.random() < 0.4 else demo._name(rng)
                            for _ in range(rng.randint(1, 5)))]  # fmt: skip
            funded = kind == K.INVENTION and rng.random() < 0.35
            patent = Patent(
                number=f"{digits}.{patent_check_character(digits)}",
                title=title,
                abstract=abstract,
                kind=kind,
                ipc=";".join(subject.ipc) if subject else "",
                inventors="；".join(dict.fromkeys(team)),
                filed_on=filed,
                granted_on=granted,
                status=status,
                state_funded=funded,
                funding_project=demo._funding(rng, f, filed) if funded else "",
                owner=owner,
            )
            if kind == K.INVENTION and granted is not None:
                patent.foreign_family = rng.random() < 0.025
                if rng.random() < 0.006:
                    award_year = min(granted.year + rng.randint(2, 4), 2024)
                    patent.award = f"{award_year}年度{rng.choice(demo.AWARDS)}"
            if patent.status == Patent.Status.VALID and rng.random() < 0.02:
                patent.converted = True  # converted before the portal: no event recorded
            if patent.is_unconverted_valid and screener and rng.random() < SCREENED_SHARE:
                weights = [60, 35, 5] if patent.foreign_family or patent.award else [20, 50, 30]
                patent.tier = rng.choices(Patent.Tier.values, weights=weights)[0]
                patent.industry = subject.industry if subject else f.industry
                day = screen_first + timedelta(days=int(span * rng.random() ** 0.7))
                patent.screened_at = demo._at(max(day, filed + timedelta(days=30)), rng)
                patent.screened_by = screener
                if rng.random() < 0.15:
                    patent.screen_note = rng.choice(demo.SCREEN_NOTES)
            patent._product = subject.product if subject else ""
            planned.append(patent)
    for start in range(0, len(planned), BATCH):
        Patent.objects.bulk_create(planned[start : start + BATCH])
    return planned


# Conversion events ---------------------------------------------------------------------------


def _conversions(rng, patents, people) -> int:
    """Events on granted valid patents (one kind each, 2023-2025), recorded by the owner's
    applicant; converting kinds mark the patent converted (one UPDATE at the end)."""
    from django.utils import timezone

    from patents import demo
    from patents.models import Conversion, Patent

    granted = [
        p for p in patents
        if p.status == Patent.Status.VALID and p.granted_on is not None
        and p.granted_on < date(2025, 6, 1) and not p.converted
        and p.kind != Patent.Kind.DESIGN and people.get(p.owner_id)
    ]  # fmt: skip
    chosen = rng.sample(granted, min(len(granted), round(len(patents) * EVENT_SHARE)))
    partners = list(enterprises().values_list("pk", "name"))
    kinds = list(EVENT_KINDS)
    rows, converting = [], []
    for patent in chosen:
        kind = rng.choices(kinds, weights=list(EVENT_KINDS.values()))[0]
        first = max(date(2023, 1, 3), patent.granted_on + timedelta(days=30))
        day = demo._day(rng, first, date(2025, 11, 28))
        partner_id, partner = rng.choice(partners)
        values: dict = {"counterparty_id": partner_id, "counterparty_name": partner}
        if kind == "transfer":
            values["amount"] = Decimal(rng.randint(30, 500) * WAN)
        elif kind == "licence":
            values["licence_kind"] = rng.choices(
                Conversion.LicenceKind.values, weights=[20, 20, 60]
            )[0]
            values["amount"] = Decimal(rng.randint(10, 300) * WAN)
            values["ends_on"] = demo._years_later(day, rng.randint(3, 5))
            if rng.random() < 0.05:
                values["ended_on"] = day + timedelta(days=rng.randint(120, 400))
        elif kind == "contract":
            values["contract_kind"] = rng.choice(Conversion.ContractKind.values)
            values["amount"] = Decimal(rng.randint(20, 300) * WAN)
            values["registration_number"] = demo._registration(rng, day)
        elif kind == "use_first":
            values["ends_on"] = demo._years_later(day, 3)
            values["note"] = "先使用后付费，试用期满后按年支付许可费"
        elif kind == "pledge":
            values = {
                "counterparty_name": rng.choice(demo.BANKS),
                "amount": Decimal(rng.randint(100, 2000) * WAN),
                "ends_on": demo._years_later(day, rng.randint(1, 3)),
            }
            if rng.random() < 0.2:
                values["ended_on"] = day + timedelta(days=rng.randint(90, 300))
        elif kind == "open_licence":
            fee, payment = (
                demo.UTILITY_FEE
                if patent.kind == Patent.Kind.UTILITY_MODEL
                else rng.choice(demo.FEE_STANDARDS)
            )
            values = {"fee_standard": fee, "payment_method": payment,
                      "ends_on": demo.OPEN_LICENCE_ENDS}  # fmt: skip
        elif kind == "product_filing":
            values["product"] = patent._product or f"{patent.title[:40]}产品"
            values["sales"] = Decimal(rng.randint(200, 5000) * WAN)
        if values.get("ended_on") and values["ended_on"] > date(2025, 12, 31):
            values.pop("ended_on")
        rows.append(
            Conversion(
                patent_id=patent.pk,
                kind=kind,
                starts_on=day,
                recorded_by=people[patent.owner_id],
                **values,
            )
        )
        if kind in Conversion.CONVERTING:
            patent.converted = True
            converting.append(patent.pk)
    Conversion.objects.bulk_create(rows, batch_size=BATCH)
    now = timezone.now()  # a write the matching index must see is stamped (patents/pool_index.py)
    for start in range(0, len(converting), BATCH):
        Patent.objects.filter(pk__in=converting[start : start + BATCH]).update(
            converted=True, updated_at=now
        )
    return len(rows)


# Needs, suggestions, feedback ----------------------------------------------------------------


def _need_text(rng: random.Random) -> tuple[str, str, str, str]:
    """A need written the way an enterprise writes one: what it wants (a patent subject of the
    vocabulary, without the claim wording), its trouble, its use. Returns title, description,
    industry, IPC."""
    from patents import demo

    field_key = rng.choice(FIELD_KEYS)
    f = demo.FIELDS[field_key]
    subject, template = demo._pick(rng, field_key)
    use = rng.choice(subject.uses or f.uses)
    core = demo._fill(template, rng, f, use)
    for prefix in ("一种", "基于"):
        core = core.removeprefix(prefix)
    for suffix in ("及其制备方法", "的制备方法", "及其应用", "方法及系统", "及系统", "方法"):
        core = core.removesuffix(suffix)
    core = core.rstrip("的")
    title = f"{core}{rng.choice(NEED_SUFFIXES)}"[:200]
    effect = rng.choice(subject.effects or f.effects)
    step = rng.choice(subject.steps or f.steps)
    description = (
        f"我司主要面向{use}领域生产经营，{rng.choice(NEED_PAINS)}。寻求{core}相关技术，"
        f"最好能{step}，要求{effect}。"
    )
    industry = subject.industry if rng.random() < 0.85 else ""
    roll = rng.random()
    ipc = subject.ipc[0] if roll < 0.4 else subject.ipc[0][:4] if roll < 0.6 else ""
    return title, description, industry, ipc


def _needs(scale, rng, people) -> list:
    """One need for every fourth enterprise (5,000 of 20,000), by its bench applicant."""
    from patents.models import TechNeed

    companies = [org for org in enterprises().only("pk") if org.pk in people]
    count = min(scale.n("needs"), len(companies))
    step = len(companies) / count
    rows = []
    for index in range(count):
        organisation = companies[int(index * step)]
        title, description, industry, ipc = _need_text(rng)
        low = high = None
        if rng.random() < 0.7:
            low = Decimal(rng.randint(10, 200) * WAN)
            high = (low * Decimal(rng.choice(["1.5", "2", "3", "4"]))).quantize(Decimal(1))
        rows.append(
            TechNeed(
                organisation=organisation,
                title=title,
                description=description,
                industry=industry,
                ipc=ipc,
                budget_min=low,
                budget_max=high,
                cooperation=rng.choice(TechNeed.Cooperation.values),
                created_by=people[organisation.pk],
            )
        )
    return TechNeed.objects.bulk_create(rows, batch_size=BATCH)


def _match(needs) -> int:
    from patents import services
    from portal.services import emails_suppressed

    with emails_suppressed():  # the bench addresses are invented
        return services.needs_match(need_ids=[need.pk for need in needs])


def _feedback(rng, needs) -> int:
    """A tenth of the needs rate their top one or two suggestions; the rated patents are
    re-tiered from their feedback by the service's rule."""
    from patents import demo, services
    from patents.models import Feedback, Match, Patent

    chosen = {need.pk: need for need in rng.sample(needs, round(len(needs) * FEEDBACK_SHARE))}
    rows = []
    for match in Match.objects.filter(need_id__in=list(chosen), rank__lte=2).order_by("pk"):
        if match.rank == 2 and rng.random() < 0.5:
            continue
        rating = rng.choices([1, 2, 3, 4, 5], weights=[5, 10, 25, 40, 20])[0]
        rows.append(
            Feedback(
                match=match,
                rating=rating,
                improvements="" if rating >= 4 else rng.choice(demo.IMPROVEMENTS),
                wants_cooperation=rating >= 4 and rng.random() < 0.6,
                given_by=chosen[match.need_id].created_by,
            )
        )
    Feedback.objects.bulk_create(rows, batch_size=BATCH)
    by_patent: dict[int, list[Feedback]] = {}
    for row in rows:
        by_patent.setdefault(row.match.patent_id, []).append(row)
    tiers: dict[str, list[int]] = {}
    for patent_id, given in by_patent.items():
        tier = services.tier_from_feedback(
            [row.rating for row in given], sum(row.wants_cooperation for row in given)
        )
        tiers.setdefault(tier, []).append(patent_id)
    for tier, ids in tiers.items():
        Patent.objects.filter(pk__in=ids).update(tier=tier)
    return len(rows)
