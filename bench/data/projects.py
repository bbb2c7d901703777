"""Projects of the benchmark dataset: three calls of the six 2023 categories, 10,000 applications
(scaled) spread over the calls, categories, cities and the workflow states, five expert scores
for every application that reached scoring, KPI commitments, progress reports and verdicts.

Rows are written with bulk_create in batches, not through projects/services (which check,
audit and notify one application at a time: hours at this size); what the services would have
computed is computed here with the same functions (`category_spec` for the frozen category,
`scoring.trimmed_mean` / `spread` for the final score, `scoring.kpi_outcome` for the verdict,
`projects.demo.points_for` for a score spread over the rubric), so every row is one the portal
could have written:

* the oldest call's projects are finished (accepted, not accepted, a few late), the middle
  call's are in execution, and the latest call holds every state before a decision as well;
* leads are eligible for their category: enterprises (and some universities and institutes)
  for categories 2-5, generated park committees, service agencies and county governments for
  categories 1, 5 and 6; one lead application per organisation, category and call;
* experts of the lead or a joint organisation are never on its panel; budgets cover what is
  approved; every transition is an ApplicationEvent with who and when.

Deterministic (one seeded random generator): the same size gives the same rows.
"""

import math
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bench.data.base import Scale, credit_code, enterprises, part, universities

WAN = Decimal(10_000)
SEED = 2023
BATCH = 2000

# Share of a call's applications per category.
SHARE = {1: 0.08, 2: 0.20, 3: 0.25, 4: 0.17, 5: 0.20, 6: 0.10}
# Amount asked for, in 万元 (inside the category's documented range where it has one).
REQUESTED = {1: (50, 150), 2: (30, 100), 3: (20, 80), 4: (30, 120), 5: (10, 30), 6: (20, 60)}
# Park committees, service agencies and county governments for categories 1, 5 and 6, at the
# full size (they scale): the programme's other applicants beside enterprises.
OTHER_APPLICANTS = 400
EXPERTS_PER_APPLICATIONS = 50  # an expert pool of 200 for 10,000 applications
PANEL = 5

# The states of each call's applications, oldest call first (shares sum to 1).
# "rejected_formal": rejected at formal review, before any expert saw it.
STATES = [
    {
        "accepted": 0.42,
        "not_accepted": 0.08,
        "acceptance_submitted": 0.05,
        "in_execution": 0.05,
        "rejected": 0.30,
        "rejected_formal": 0.10,
    },
    {
        "approved": 0.05,
        "in_execution": 0.30,
        "acceptance_submitted": 0.10,
        "accepted": 0.12,
        "not_accepted": 0.03,
        "rejected": 0.30,
        "rejected_formal": 0.10,
    },
    {
        "draft": 0.10,
        "submitted": 0.12,
        "returned": 0.05,
        "formal_passed": 0.12,
        "under_review": 0.15,
        "scored": 0.16,
        "rejected": 0.10,
        "rejected_formal": 0.05,
        "approved": 0.15,
    },
]
SCORING = {
    "under_review",
    "scored",
    "rejected",
    "approved",
    "in_execution",
    "acceptance_submitted",
    "accepted",
    "not_accepted",
}
PROJECT = {"approved", "in_execution", "acceptance_submitted", "accepted", "not_accepted"}

INDUSTRIES = [
    "富硒食品",
    "新材料",
    "集成电路",
    "航空航天",
    "智能装备",
    "生物医药",
    "新能源汽车",
    "光伏",
    "现代农业",
    "数控机床",
    "输变电装备",
    "稀有金属",
]
TITLES = {
    1: "{industry}产业知识产权运营中心建设",
    2: "{industry}领域高价值专利培育中心建设",
    3: "{org}专利运营赋能项目",
    4: "{industry}专利转化服务平台建设",
    5: "{industry}产业{subtype}专利导航",
    6: "{region}知识产权公共服务能力提升",
}
COMMENTS = (
    "目标明确，指标量化，实施方案可行。",
    "工作基础较好，建议进一步细化进度安排。",
    "预期效益明显，经费预算基本合理。",
    "合作机制清楚，建议加强成果转化跟踪。",
    "指标设置偏保守，示范带动作用有待加强。",
)


def generate(scale: Scale, *, fresh: bool = False) -> None:
    with part("projects", fresh=fresh) as todo:
        if not todo:
            return
        _Generator(scale).run()


def _tz():
    from django.utils import timezone

    return timezone.get_current_timezone()


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=_tz())


def _batched(model, rows: list, *, batch: int = BATCH) -> list:
    return model.objects.bulk_create(rows, batch_size=batch)


class _Generator:
    def __init__(self, scale: Scale) -> None:
        from django.utils import timezone

        self.scale = scale
        self.random = random.Random(SEED)  # noqa: S311 (data, not secrets)
        self.now = timezone.now()
        self.today = timezone.localdate()
        # The latest call is this year's once its review (March to July) is over.
        latest = self.today.year
        if self.today < date(latest, 9, 1):
            latest -= 1
        self.years = [latest - 2, latest - 1, latest]

    # The whole part --------------------------------------------------------------------------

    def run(self) -> None:
        from bench.data import users as bench_users
        from projects import seeds

        seeds.seed()  # the six categories (migration 0002 seeded them; a no-op then)
        self.reviewers = list(_users_named("bench_reviewer"))
        if not self.reviewers:
            raise SystemExit("bench/data/users.py must run before the projects part")
        self._other_applicants()
        self.applicants = bench_users.applicants()
        self._experts()
        self._calls()
        self._applications()
        self._children()
        self._budgets()

    # Organisations and people ----------------------------------------------------------------

    def _other_applicants(self) -> None:
        """Park committees, service agencies and county governments (categories 1, 5, 6), each
        with an applicant account, spread over the counties."""
        from django.contrib.auth.hashers import make_password

        from bench.data.users import applicant_username
        from portal.models import Organisation, Region, Role, User

        counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("path"))
        count = max(6, round(OTHER_APPLICANTS * self.scale.factor))
        kinds = [
            (Organisation.Kind.PARK_COMMITTEE, "工业园区管理委员会", "1", "1"),
            (Organisation.Kind.SERVICE_AGENCY, "知识产权服务中心", "9", "1"),
            (Organisation.Kind.GOVERNMENT, "市场监督管理局", "1", "1"),
        ]
        rows = []
        for serial in range(count):
            kind, label, department, category = kinds[serial % len(kinds)]
            region = counties[(serial * 11) % len(counties)]
            rows.append(
                Organisation(
                    name=f"{region.name}第{serial + 1:03d}{label}",
                    credit_code=credit_code(2_000_000 + serial, department=department,
                                            category=category),
                    kind=kind,
                    region=region,
                    status=Organisation.Status.VERIFIED,
                )
            )  # fmt: skip
        _batched(Organisation, rows)
        password = make_password(None)
        _batched(
            User,
            [
                User(
                    username=applicant_username(org.credit_code),
                    name=f"{org.name[:20]}联系人",
                    role=Role.APPLICANT,
                    organisation=org,
                    password=password,
                    email=f"{applicant_username(org.credit_code)}@bench.invalid",
                )
                for org in rows
            ],
        )
        self.others = rows

    def _experts(self) -> None:
        from django.contrib.auth.hashers import make_password

        from portal.models import Role, User
        from projects.models import ExpertProfile

        count = max(10, self.scale.n("applications") // EXPERTS_PER_APPLICATIONS)
        pool = list(universities())
        password = make_password(None)
        experts = [
            User(
                username=f"bench_expert{n:04d}",
                name=f"评审专家{n:04d}",
                role=Role.EXPERT,
                # A third work at a university or institute: never on its applications' panels.
                organisation=pool[n % len(pool)] if pool and n % 3 == 0 else None,
                password=password,
                email=f"bench_expert{n:04d}@bench.invalid",
            )
            for n in range(1, count + 1)
        ]
        _batched(User, experts)
        fields = list(ExpertProfile.Field)
        _batched(
            ExpertProfile,
            [
                ExpertProfile(user=expert, field=fields[n % len(fields)], title="正高级工程师")
                for n, expert in enumerate(experts)
            ],
        )
        self.experts = experts

    # Calls -----------------------------------------------------------------------------------

    def _calls(self) -> None:
        from projects.models import Call, CallCategory, Category
        from projects.services.categories import category_spec

        categories = list(Category.objects.prefetch_related("kpis", "criteria").order_by("code"))
        self.calls: list = []
        self.lots: dict[tuple[int, int], CallCategory] = {}
        for year in self.years:
            call = Call.objects.create(
                year=year,
                title=f"{year}年度陕西省专利转化专项计划项目申报（基准数据）",
                description="基准测试数据：按陕西省2023年专利转化专项计划项目申报指南设置的六类项目。",
                opens_at=_at(date(year, 3, 1), 9),
                closes_at=_at(date(year, 4, 30), 17, 30),
                created_by=self.reviewers[0],
            )
            self.calls.append(call)
            for category in categories:
                # The budget is set once the approvals are known (_budgets): it covers them.
                self.lots[(year, category.code)] = CallCategory.objects.create(
                    call=call,
                    category=category,
                    budget=Decimal(0),
                    expected_projects=0,
                    amount_min=category.amount_min,
                    amount_max=category.amount_max,
                    category_version=category.version,
                    spec=category_spec(category),
                )

    # Applications ----------------------------------------------------------------------------

    def _leads(self, code: int, spec: dict) -> list:
        """Eligible leads of a category, in a stable order (rotated per call)."""
        kinds = set(spec["eligible_kinds"])
        pool = [org for org in self.others if org.kind in kinds]
        if kinds & {"university", "institute"}:
            pool += [org for org in self.universities if org.kind in kinds]
        if "enterprise" in kinds:
            pool += self.enterprises
        return pool

    def _applications(self) -> None:
        from projects.models import Application

        self.universities = list(universities().select_related("region"))
        self.enterprises = list(enterprises().select_related("region"))
        total = self.scale.n("applications")
        per_call = _split(total, len(self.years))
        self.rows: list[Application] = []
        self.plans: list[dict] = []
        for index, year in enumerate(self.years):
            counts = _shares(per_call[index], SHARE)
            for code, wanted in counts.items():
                lot = self.lots[(year, code)]
                pool = self._leads(code, lot.spec)
                # Categories led by the few non-enterprises take what their pool allows; the
                # rest goes to category 3 (enterprises only, the largest pool).
                if wanted > len(pool):
                    counts[3] += wanted - len(pool)
                    counts[code] = len(pool)
            for code in sorted(counts):
                lot = self.lots[(year, code)]
                pool = self._leads(code, lot.spec)
                states = _states(counts[code], STATES[index], self.random)
                offset = self.random.randrange(len(pool)) if pool else 0
                step = _coprime_step(len(pool), self.random)
                for serial, state in enumerate(states):
                    lead = pool[(offset + serial * step) % len(pool)]
                    self._application(year, lot, lead, serial + 1, state)
        from bench.data.timestamps import as_given

        with as_given(Application):
            _batched(Application, self.rows)

    def _application(self, year: int, lot, lead, serial: int, state: str) -> None:
        from projects.models import Application

        S = Application.Status
        spec = lot.spec
        code = spec["code"]
        rnd = self.random
        industry = INDUSTRIES[(lead.pk + code) % len(INDUSTRIES)]
        subtype = spec["subtypes"][serial % len(spec["subtypes"])] if spec["subtypes"] else ""
        title = TITLES[code].format(
            industry=industry, org=lead.name[:12], subtype=subtype, region=lead.region.name
        )
        low, high = REQUESTED[code]
        requested = Decimal(rnd.randint(low, high)) * WAN
        window = (date(year, 4, 30) - date(year, 3, 1)).days
        created = _at(date(year, 3, 1) + timedelta(days=rnd.randrange(window - 10)), 9 + serial % 8)
        user = self.applicants[lead.pk]
        reviewer = self.reviewers[serial % len(self.reviewers)]
        app = Application(
            number=f"{year}-{code}-{serial:04d}",
            call_category=lot,
            lead_organisation=lead,
            subtype=subtype,
            title=title,
            summary=f"围绕{industry}产业，落实申报指南第{code}类项目任务，推动专利转化运用。",
            period_months=spec["period_months"],
            requested_amount=requested,
            contact_name=user.name,
            contact_phone=f"029-8{serial % 10}{lead.pk % 1000:03d}{serial % 1000:03d}",
            narrative=_narrative(title, spec["period_months"], requested),
            status=state if not state.startswith("rejected") else S.REJECTED,
            created_by=user,
            created_at=created,
        )
        events: list[tuple[str, str, str, object, str, datetime]] = []
        at = created
        kpis = self._kpis(spec)
        plan = {"app": app, "events": events, "kpis": kpis, "panel": [], "reports": []}
        joint = None
        if code in (5, 6) and rnd.random() < 0.2:
            candidates = [o for o in self.others if o.pk != lead.pk]
            joint = candidates[serial % len(candidates)] if candidates else None
        plan["joint"] = joint

        def event(action: str, source: str, target: str, actor, when: datetime, reason=""):
            events.append((action, source, target, actor, reason, when))

        if state == "draft":
            app.narrative = {} if serial % 2 else app.narrative
            self._finish(app, plan, at)
            return
        at = min(created + timedelta(days=rnd.randint(0, 9), hours=2), _at(date(year, 4, 30), 17))
        app.submitted_at = at
        event("submit", S.DRAFT, S.SUBMITTED, user, at)
        if state == "submitted":
            self._finish(app, plan, at)
            return
        at = _at(date(year, 5, 6) + timedelta(days=rnd.randrange(14)), 10)
        if state == "returned":
            reason = "“经费预算与自筹配套”未列明自筹资金来源及到位时间，请补充后重新提交。"
            event("return", S.SUBMITTED, S.RETURNED, reviewer, at, reason)
            app.revision_due = at + timedelta(days=7)
            self._finish(app, plan, at)
            return
        if state == "rejected_formal":
            reason = "申报单位不符合本类项目申报条件，形式审查不予通过。"
            event("reject", S.SUBMITTED, S.REJECTED, reviewer, at, reason)
            app.decided_at, app.decision_reason = at, reason
            self._finish(app, plan, at)
            return
        event("pass", S.SUBMITTED, S.FORMAL_PASSED, reviewer, at)
        if state == "formal_passed":
            self._finish(app, plan, at)
            return
        at = _at(date(year, 5, 22) + timedelta(days=rnd.randrange(10)), 15)
        event("assign", S.FORMAL_PASSED, S.UNDER_REVIEW, reviewer, at, "已分配评审专家")
        quality = {"rejected": 62, "approved": 84}.get(state, 84 if state in PROJECT else 74)
        scored = PANEL if state != "under_review" else rnd.randint(1, PANEL - 1)
        panel = self._panel(lead, joint, serial)
        totals = []
        for position, expert in enumerate(panel):
            total = max(40, min(98, quality + rnd.randint(-9, 9)))
            submitted = position < scored
            responded = at + timedelta(days=1 + position)
            plan["panel"].append(
                {
                    "expert": expert,
                    "assigned_by": reviewer,
                    "assigned_at": at,
                    "responded_at": responded if position < PANEL - 1 or submitted else None,
                    "submitted_at": responded + timedelta(days=5) if submitted else None,
                    "total": total if submitted else None,
                    "comment": COMMENTS[position % len(COMMENTS)] if submitted else "",
                }
            )
            if submitted:
                totals.append(Decimal(total))
        from projects import scoring

        app.final_score = scoring.trimmed_mean(totals)
        app.score_spread = scoring.spread(totals)
        app.score_count = len(totals)
        if state == "under_review":
            self._finish(app, plan, at + timedelta(days=3))
            return
        at = _at(date(year, 6, 20), 16)
        event("complete_scoring", S.UNDER_REVIEW, S.SCORED, panel[-1], at, f"{PANEL}位专家已评分。")
        if state == "scored":
            self._finish(app, plan, at)
            return
        at = _at(date(year, 7, 1) + timedelta(days=rnd.randrange(14)), 11)
        if state == "rejected":
            reason = f"专家评审得分{app.final_score}分，低于本批次立项分数线。"
            event("reject", S.SCORED, S.REJECTED, reviewer, at, reason)
            app.decided_at, app.decision_reason = at, reason
            self._finish(app, plan, at)
            return
        amount = _grant(requested, lot, rnd)
        reason = "专家评审通过，同意立项。"
        event("approve", S.SCORED, S.APPROVED, reviewer, at, reason)
        app.approved_amount, app.decided_at, app.decision_reason = amount, at, reason
        app.start_date = at.date()
        app.end_date = _add_months(app.start_date, app.period_months)
        if state == "approved":
            self._finish(app, plan, at)
            return
        # Execution: progress reports every three months, then the final report.
        final = state in {"acceptance_submitted", "accepted", "not_accepted"}
        due = [_add_months(app.start_date, 3 * n) for n in range(1, app.period_months // 3)]
        report_days = [day for day in due if day <= self.today] or [
            min(app.start_date + timedelta(days=60), self.today)
        ]
        source = S.APPROVED
        for number, day in enumerate(report_days[:3], start=1):
            at = _at(day + timedelta(days=rnd.randrange(10)), 10)
            share = Decimal(number) / Decimal(len(report_days) + 1)
            plan["reports"].append(("progress", at, share, f"第{number}次进度报告：按计划推进。"))
            event("report_progress", source, S.IN_EXECUTION, user, at, "进度报告已提交。")
            source = S.IN_EXECUTION
        if not final:
            self._finish(app, plan, at)
            return
        at = max(at + timedelta(days=20), _at(app.end_date, 10))
        at = min(at, self.now - timedelta(days=2))
        met = state != "not_accepted"
        plan["reports"].append(("final", at, None if met else Decimal("0.6"), "项目总结报告。"))
        plan["met"] = met
        event("request_acceptance", source, S.ACCEPTANCE_SUBMITTED, user, at, "申请验收。")
        if state == "acceptance_submitted":
            self._finish(app, plan, at)
            return
        at = min(at + timedelta(days=30), self.now - timedelta(days=1))
        if met:
            reason = "各项考核指标全部完成，同意通过验收。"
            event("accept", S.ACCEPTANCE_SUBMITTED, S.ACCEPTED, reviewer, at, reason)
        else:
            reason = "部分考核指标未达到任务书承诺值，不予通过验收。"
            event("not_accept", S.ACCEPTANCE_SUBMITTED, S.NOT_ACCEPTED, reviewer, at, reason)
        app.verdict_reason = reason
        plan["verdict"] = True
        self._finish(app, plan, at)

    def _finish(self, app, plan: dict, at: datetime) -> None:
        app.status_changed_at = at
        app.updated_at = at
        self.rows.append(app)
        self.plans.append(plan)

    def _kpis(self, spec: dict) -> list[dict]:
        rnd = self.random
        kpis = []
        for position, kpi in enumerate(spec["kpis"]):
            minimum = Decimal(kpi["minimum"])
            baseline = None
            if kpi["comparator"] == "done":
                committed = minimum
            elif kpi["comparator"] == "growth":
                committed = minimum + rnd.randint(0, 20)
                baseline = Decimal(rnd.randint(10, 200))
            else:
                committed = (minimum * Decimal(rnd.choice(["1", "1", "1.2", "1.5", "2"]))).quantize(
                    Decimal("1")
                )
            kpis.append({**kpi, "position": position, "minimum": minimum,
                         "committed": committed, "baseline": baseline})  # fmt: skip
        return kpis

    def _panel(self, lead, joint, serial: int) -> list:
        conflicted = {lead.pk} | ({joint.pk} if joint is not None else set())
        count = len(self.experts)
        start = (serial * 7 + lead.pk) % count
        panel = []
        for offset in range(count):
            expert = self.experts[(start + offset) % count]
            if expert.organisation_id not in conflicted:
                panel.append(expert)
            if len(panel) == PANEL:
                break
        return panel

    # The rows under each application ---------------------------------------------------------

    def _children(self) -> None:
        from bench.data.timestamps import as_given
        from projects import demo, scoring
        from projects.models import (
            Application,
            ApplicationEvent,
            Assignment,
            DeclaredPatent,
            KPIActual,
            KPICommitment,
            ProgressReport,
            ScoreItem,
        )

        commitments, events, joints, patents = [], [], [], []
        Joint = Application.joint_organisations.through
        for plan in self.plans:
            app = plan["app"]
            plan["kpi_rows"] = [
                KPICommitment(
                    application=app,
                    code=kpi["code"],
                    name=kpi["name"],
                    unit=kpi["unit"],
                    comparator=kpi["comparator"],
                    minimum=kpi["minimum"],
                    committed=kpi["committed"],
                    baseline=kpi["baseline"],
                    source=kpi.get("source", ""),
                    position=kpi["position"],
                )
                for kpi in plan["kpis"]
            ]
            commitments += plan["kpi_rows"]
            events += [
                ApplicationEvent(
                    application=app,
                    action=action,
                    from_status=source,
                    to_status=target,
                    actor=actor,
                    reason=reason,
                    at=when,
                )
                for action, source, target, actor, reason, when in plan["events"]
            ]
            if plan["joint"] is not None:
                joints.append(Joint(application=app, organisation=plan["joint"]))
            if app.spec["code"] == 3 and app.status != Application.Status.DRAFT:
                patents += _declared_patents(app, DeclaredPatent)
        _batched(KPICommitment, commitments)
        _batched(ApplicationEvent, events)
        _batched(Joint, joints)
        _batched(DeclaredPatent, patents)

        assignments, pairs = [], []
        for plan in self.plans:
            for row in plan["panel"]:
                assignment = Assignment(
                    application=plan["app"],
                    expert=row["expert"],
                    assigned_by=row["assigned_by"],
                    assigned_at=row["assigned_at"],
                    status=(
                        Assignment.Status.SUBMITTED
                        if row["total"] is not None
                        else Assignment.Status.ACCEPTED
                        if row["responded_at"]
                        else Assignment.Status.PENDING
                    ),
                    responded_at=row["responded_at"],
                    total=Decimal(row["total"]) if row["total"] is not None else None,
                    comment=row["comment"],
                    submitted_at=row["submitted_at"],
                )
                assignments.append(assignment)
                if row["total"] is not None:
                    pairs.append((assignment, row["total"]))
        with as_given(Assignment):
            _batched(Assignment, assignments)
        items = []
        for assignment, total in pairs:
            points = demo.points_for(assignment.application, total)
            items += [
                ScoreItem(
                    assignment=assignment,
                    criterion_code=criterion["code"],
                    criterion_name=criterion["name"],
                    weight=int(criterion["weight"]),
                    points=points[criterion["code"]],
                )
                for criterion in assignment.application.spec["criteria"]
            ]
        _batched(ScoreItem, items, batch=5000)

        reports, actual_rows, verdicts = [], [], []
        for plan in self.plans:
            app = plan["app"]
            user = app.created_by
            latest: dict[str, Decimal] = {}
            for kind, at, share, narrative in plan["reports"]:
                report = ProgressReport(
                    application=app, kind=kind, narrative=narrative, submitted_by=user,
                    submitted_at=at,
                )  # fmt: skip
                reports.append(report)
                for kpi in plan["kpi_rows"]:
                    value = _actual(kpi, share, final=kind == "final", met=plan.get("met", True))
                    if value is None:
                        continue
                    latest[kpi.code] = value
                    actual_rows.append(KPIActual(report=report, kpi=kpi, actual=value))
            if plan.get("verdict"):
                results = [
                    scoring.kpi_outcome(
                        code=kpi.code, name=kpi.name, unit=kpi.unit, comparator=kpi.comparator,
                        target=kpi.committed, baseline=kpi.baseline, actual=latest.get(kpi.code),
                    ).as_dict()
                    for kpi in plan["kpi_rows"]
                ]  # fmt: skip
                app.acceptance_result = {
                    "kpis": results,
                    "met": sum(1 for r in results if r["met"]),
                    "total": len(results),
                }
                verdicts.append(app)
        _batched(ProgressReport, reports)
        _batched(KPIActual, actual_rows, batch=5000)
        Application.objects.bulk_update(verdicts, ["acceptance_result"], batch_size=500)

    def _budgets(self) -> None:
        """Each category's budget in a call covers what it approved, with room left."""
        from django.db.models import Count, Q, Sum

        from projects.models import Application, CallCategory

        granted = {
            row["call_category"]: row
            for row in Application.objects.filter(call_category__in=self.lots.values())
            .values("call_category")
            .annotate(
                total=Sum("approved_amount", filter=Q(status__in=Application.PROJECT_STATES)),
                projects=Count("pk", filter=Q(status__in=Application.PROJECT_STATES)),
            )
            .order_by()
        }
        lots = list(self.lots.values())
        for lot in lots:
            row = granted.get(lot.pk, {})
            total = row.get("total") or Decimal(0)
            lot.budget = Decimal(math.ceil(total * Decimal("1.2") / 1_000_000 + 1) * 1_000_000)
            lot.expected_projects = max(1, row.get("projects") or 0)
        CallCategory.objects.bulk_update(lots, ["budget", "expected_projects"])


# Helpers -------------------------------------------------------------------------------------


def _users_named(prefix: str):
    from portal.models import User

    return User.objects.filter(username__startswith=prefix).order_by("username")


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _shares(total: int, shares: dict) -> dict:
    """`total` divided by the shares, rounding so the parts add up to `total`."""
    counts = {key: int(total * share) for key, share in shares.items()}
    leftover = total - sum(counts.values())
    for key in sorted(shares, key=lambda k: -shares[k])[:leftover]:
        counts[key] += 1
    return counts


def _states(count: int, shares: dict, rnd: random.Random) -> list[str]:
    states = [state for state, n in _shares(count, shares).items() for _ in range(n)]
    rnd.shuffle(states)
    return states


def _coprime_step(size: int, rnd: random.Random) -> int:
    """A step that visits every index of a pool of `size` once before repeating."""
    if size <= 2:
        return 1
    while True:
        step = rnd.randrange(1, size)
        if math.gcd(step, size) == 1:
            return step


def _grant(requested: Decimal, lot, rnd: random.Random) -> Decimal:
    share = Decimal(rnd.choice(["0.6", "0.7", "0.8", "0.9", "1"]))
    amount = (requested * share / WAN).quantize(Decimal(1)) * WAN
    if lot.amount_min is not None:
        amount = max(amount, lot.amount_min)
    if lot.amount_max is not None:
        amount = min(amount, lot.amount_max)
    return min(amount, requested)


def _add_months(day: date, months: int) -> date:
    from portal.dates import add_months

    return add_months(day, months)


def _narrative(title: str, months: int, requested: Decimal) -> dict:
    half = max(months // 2, 1)
    amount = int(requested / WAN)
    return {
        "basis": "申报单位设有专门的知识产权管理部门，具备开展本项目所需的人员、场地和工作基础。",
        "plan": f"围绕“{title}”，明确分工、分阶段组织实施，逐项落实考核指标。",
        "schedule": (
            f"第1—{half}个月：组建团队并启动重点任务；"
            f"第{half + 1}—{months}个月：全面实施，总结评估。"
        ),
        "budget": f"申请省级专项资金{amount}万元，单位自筹{amount // 2}万元。",
        "benefit": "推动专利技术转移转化和产业化实施，带动区域相关产业高质量发展。",
    }


def _declared_patents(app, DeclaredPatent) -> list:
    """10-14 invention and utility-model patents (category 3 asks for at least 10)."""
    from portal.identifiers import patent_check_character

    rows = []
    for n in range(10 + app.lead_organisation_id % 5):
        kind = "1" if n % 2 == 0 else "2"
        digits = f"{2016 + n % 8}{kind}{(app.lead_organisation_id * 17 + n) % 10_000_000:07d}"
        rows.append(
            DeclaredPatent(
                application=app,
                number=f"{digits}.{patent_check_character(digits)}",
                kind="invention" if kind == "1" else "utility_model",
            )
        )
    return rows


def _actual(kpi, share: Decimal | None, *, final: bool, met: bool) -> Decimal | None:
    """A KPI's actual value: part of the target in a progress report; in the final report the
    target reached (or, for a project not accepted, 60% of it on its quantity KPIs)."""
    target = kpi.committed
    if kpi.comparator == "done":
        return Decimal(1) if final or share is None or share >= Decimal("0.5") else None
    if kpi.comparator == "growth":
        baseline = kpi.baseline or Decimal(1)
        growth = target + 1 if final and met else target * (share or Decimal("0.6"))
        return (baseline * (1 + growth / 100)).quantize(Decimal("0.01"))
    fraction = Decimal(1) if final and met else (share or Decimal("0.6"))
    value = (target * fraction).quantize(Decimal("0.01"))
    return value + (1 if final and met else 0)
