"""Demo projects for a newcomer's first run: an open call with applications in every state.

Called by `manage.py load_demo` (demo/management/commands/load_demo.py) once the demo
organisations and users exist. Every row is written through projects/services/, acting as the
demo applicants, reviewer and experts, so the audit log, the application histories and the
inboxes are the ones the portal itself writes. Two calls:

* last year's call, declared while its window was open and then closed (`call_update`), holds
  the projects: approved (and late with its first progress report), in execution, acceptance
  requested, accepted and not accepted;
* this year's call, open from yesterday for 60 days, holds the declarations: draft, submitted,
  returned, formal review passed, under expert review, scored and rejected. Its category 3 is
  left without applications: the demo enterprise (on the 2023 listing-reserve list, no patents
  declared yet) is the one who declares there, in the end-to-end journey.

Both are dated from the day of the load (`today`, default today): this year and last year are
that day's, the window is open on it, and the late project started four months before it.

Idempotent: a call is found by its title, an application by its call, category and lead
organisation; what exists is left as it is. Last year's call is built in one go (its window is
closed afterwards, so nothing can be added to it later).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Count
from django.utils import timezone

from portal.dates import add_months
from portal.models import Organisation, User
from portal.services import audit_record
from projects import events, seeds, services
from projects.models import Application, Call, CallCategory, Category, ExpertProfile

S = Application.Status
WAN = Decimal(10_000)
DEMO_LABEL = "load_demo"

# user name -> (field, professional title). Six experts, six fields: a panel of five can be
# balanced by field, and an application of the university (expert2's employer) still finds five.
EXPERT_PROFILES = {
    "expert": (ExpertProfile.Field.MANAGEMENT, "正高级经济师"),
    "expert2": (ExpertProfile.Field.MATERIALS, "教授"),
    "expert3": (ExpertProfile.Field.IP_LAW, "专利代理师"),
    "expert4": (ExpertProfile.Field.EQUIPMENT, "研究员"),
    "expert5": (ExpertProfile.Field.FINANCE, "高级经济师"),
    "expert6": (ExpertProfile.Field.ICT_MANUFACTURING, "正高级工程师"),
}

# Category code -> (budget in 万元, expected number of projects), the same in both calls.
BUDGETS = {1: (1000, 10), 2: (800, 15), 3: (600, 10), 4: (500, 6), 5: (300, 10), 6: (400, 8)}

# Last year's values from which growth KPIs are measured.
BASELINES = {
    "sme_growth": Decimal(12),
    "pledge_amount_growth": Decimal(3500),
    "pledge_count_growth": Decimal(10),
    "invention_growth": Decimal(40),
}

REVIEW_COMMENTS = (
    "目标明确，指标量化，实施方案可行。",
    "工作基础较好，建议进一步细化进度安排。",
    "预期效益明显，经费预算基本合理。",
    "合作机制清楚，建议加强成果转化跟踪。",
    "指标设置偏保守，示范带动作用有待加强。",
)


def call_title(year: int) -> str:
    return f"{year}年度陕西省专利转化专项计划项目申报（演示）"


def open_call(today=None) -> Call | None:
    """This year's demo call (open from yesterday for 60 days when it was created)."""
    today = today or timezone.localdate()
    return Call.objects.filter(year=today.year, title=call_title(today.year)).first()


def load(*, organisations: Mapping[str, Organisation], today: date | None = None) -> int:
    """Build the demo calls and applications that are missing, dated from `today` (default:
    today). Returns the rows created."""
    seeds.seed()  # after migrate the categories exist; after a flush (e2e live server) they don't
    users = {user.username: user for user in User.objects.all()}
    reviewer = users["reviewer"]
    created = 0
    for username, (field, title) in EXPERT_PROFILES.items():
        expert = users[username]
        if not ExpertProfile.objects.filter(user=expert).exists():
            services.expert_profile_set(actor=reviewer, expert=expert, field=field, title=title)
            created += 1
    demo = _Builder(
        reviewer=reviewer,
        users=users,
        organisations=organisations,
        today=today or timezone.localdate(),
    )
    created += demo.earlier_call()
    created += demo.current_call()
    return created


def status_counts() -> dict[str, int]:
    """How many applications are in each status (every status listed, zeros included)."""
    counts = dict(
        Application.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
    )
    return {status.value: counts.get(status.value, 0) for status in S}


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _lots() -> list[services.LotInput]:
    return [
        services.LotInput(
            category=category,
            budget=BUDGETS[category.code][0] * WAN,
            expected_projects=BUDGETS[category.code][1],
        )
        for category in Category.objects.filter(code__in=BUDGETS).order_by("code")
    ]


def points_for(application: Application, total: int) -> dict[str, Decimal]:
    """Spread `total` over the rubric in proportion to the weights (one decimal place)."""
    criteria = application.spec["criteria"]
    share = Decimal(total) / 100
    points = {c["code"]: (Decimal(c["weight"]) * share).quantize(Decimal("0.1")) for c in criteria}
    difference = Decimal(total) - sum(points.values(), Decimal(0))
    for criterion in reversed(criteria):  # the rounding left over goes where there is room
        adjusted = points[criterion["code"]] + difference
        if 0 <= adjusted <= criterion["weight"]:
            points[criterion["code"]] = adjusted
            break
    if sum(points.values(), Decimal(0)) != total:
        raise ValueError(f"{total} cannot be spread over the rubric")
    return points


class _Builder:
    def __init__(
        self, *, reviewer: User, users: Mapping[str, User], organisations, today: date
    ) -> None:
        self.reviewer = reviewer
        self.users = users
        self.organisations = organisations
        self.today = today

    # Calls -----------------------------------------------------------------------------------

    def earlier_call(self) -> int:
        """Last year's call with the projects; skipped when it exists."""
        year = self.today.year - 1
        if Call.objects.filter(year=year, title=call_title(year)).exists():
            return 0
        now = timezone.now()
        data = {
            "year": year,
            "title": call_title(year),
            "description": (
                "演示数据。按陕西省2023年专利转化专项计划项目申报指南设置的六类项目，"
                "已完成评审立项，项目处于执行和验收阶段。"
            ),
            # Open now so the demo applicants can declare through the services; closed below.
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(hours=1),
        }
        call = services.call_create(actor=self.reviewer, data=data, lots=_lots())
        declared = [
            self._declare(call, code, username, **content)
            for code, username, content in EARLIER_DECLARATIONS
        ]
        for application in declared:
            services.application_submit(actor=application.created_by, application=application)
        # The window as it was last year: 1 March to 30 April.
        data.update(
            opens_at=_at(self.today.replace(year=year, month=3, day=1), 9),
            closes_at=_at(self.today.replace(year=year, month=4, day=30), 17, 30),
        )
        services.call_update(actor=self.reviewer, call=call, data=data, lots=_lots())
        park, enterprise, government, university, county = declared

        self._score(park, ["expert", "expert2", "expert3", "expert4", "expert5"], PARK_SCORES)
        self._approve(park, 100, "专家评审通过，同意立项。")
        self._backdate(park, months=4)

        self._score(
            enterprise,
            ["expert2", "expert3", "expert4", "expert5", "expert6"],
            [80, 84, 77, 86, 81],
        )
        self._approve(enterprise, 60, "专家评审通过，同意立项。")
        self._report(
            enterprise,
            "平台上线运行，已入驻服务机构12家，完成首批专利开放许可对接。",
            {
                "conversions": 21,
                "conversion_amount": 185,
                "pledge_projects": 2,
                "pledge_amount": 760,
            },
        )

        self._score(
            government, ["expert", "expert3", "expert4", "expert5", "expert6"], [78, 82, 75, 88, 80]
        )
        self._approve(government, 25, "专家评审通过，同意立项。")
        self._report(
            government, "完成富硒食品产业专利数据检索与清洗，召开导航启动会。", {"events": 1}
        )
        self._report(
            government,
            "导航报告及简要报告已定稿，专题数据库交付园区使用，配套政策已报市政府审议。",
            {"nav_report": 1, "database": 1, "policy": 1, "events": 2},
            final=True,
        )

        self._score(
            university, ["expert", "expert3", "expert4", "expert5", "expert6"], [91, 87, 89, 84, 93]
        )
        self._approve(university, 50, "专家评审通过，同意立项。")
        self._report(
            university,
            "建成专利全过程管理系统并试运行，新增发明专利申请48件。",
            {"invention_growth": 48, "mgmt_system": 1},
        )
        self._report(
            university,
            "新增发明专利申请及有海外同族的发明专利申请合计58件，高价值专利培育报告已完成。",
            {"invention_growth": 58, "hv_report": 1, "mgmt_system": 1},
            final=True,
        )
        services.acceptance_decide(
            actor=self.reviewer,
            application=university,
            accepted=True,
            reason="三项考核指标全部完成，同意通过验收。",
        )

        self._score(
            county, ["expert", "expert2", "expert4", "expert5", "expert6"], [76, 81, 72, 84, 79]
        )
        self._approve(county, 40, "专家评审通过，同意立项。")
        self._report(
            county,
            "公共服务机构已挂牌，培养专利信息分析人才3名，完成6家企业专利导航报告。",
            {
                "institution": 1,
                "analysts": 3,
                "industry_report": 1,
                "enterprise_reports": 6,
                "hv_patents": 12,
                "converted": 6,
                "push": 1,
                "trainings": 3,
            },
            final=True,
        )
        services.acceptance_decide(
            actor=self.reviewer,
            application=county,
            accepted=False,
            reason=(
                "培育高价值专利12件、园区转化实施专利6件，未达到任务书承诺的20件和10件，"
                "不予通过验收。"
            ),
        )
        return 1 + len(declared)

    def current_call(self) -> int:
        """This year's call, open from yesterday for 60 days, with the declarations."""
        call = open_call(self.today)
        created = 0
        window = {
            "opens_at": _at(self.today - timedelta(days=1), 9),
            "closes_at": _at(self.today + timedelta(days=60), 17, 30),
        }
        now = timezone.now()
        # The applicants declare through the services, which take declarations while the
        # window is open now: a load dated another day opens it for the while, then sets it.
        elsewhen = not window["opens_at"] <= now < window["closes_at"]
        data = {
            "year": self.today.year,
            "title": call_title(self.today.year),
            "description": (
                "演示数据。按陕西省2023年专利转化专项计划项目申报指南设置的六类项目，正在受理申报。"
            ),
            **window,
        }
        if call is None:
            if elsewhen:
                data.update(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
            call = services.call_create(actor=self.reviewer, data=data, lots=_lots())
            created += 1
        else:
            elsewhen = False
        for code, username, content, status in CURRENT_DECLARATIONS:
            lot = call.lots.get(category__code=code)
            user = self.users[username]
            if Application.objects.filter(
                call_category=lot, lead_organisation=user.organisation_id
            ).exists():
                continue
            application = self._declare(call, code, username, **content)
            getattr(self, f"_to_{status}")(application)
            created += 1
        if elsewhen:
            services.call_update(
                actor=self.reviewer, call=call, data={**data, **window}, lots=_lots()
            )
        return created

    # Steps -----------------------------------------------------------------------------------

    def _declare(
        self,
        call: Call,
        code: int,
        username: str,
        *,
        title: str,
        summary: str,
        amount: int,
        kpis: Mapping[str, int] | None = None,
        joint: tuple[str, ...] = (),
        subtype: str = "",
        complete: bool = True,
    ) -> Application:
        """Create a draft as the applicant and, when `complete`, fill all that submission checks."""
        user = self.users[username]
        lot: CallCategory = call.lots.get(category__code=code)
        application = services.application_create(actor=user, lot=lot, subtype=subtype)
        data: dict[str, Any] = {
            "title": title,
            "summary": summary,
            "requested_amount": amount * WAN,
        }
        if complete:
            # The applicant's organisation: the constraint applicant_has_organisation.
            organisation = cast(Organisation, user.organisation)
            data.update(
                contact_name=user.name,
                contact_phone="029-88886666"
                if organisation.region.code == "610100"
                else "0915-3216688",
                narrative=_narrative(application, organisation, title, amount),
            )
        commitments = {
            kpi.code: {
                "committed": (kpis or {}).get(kpi.code, kpi.minimum),
                "baseline": BASELINES.get(kpi.code) if kpi.is_growth else None,
            }
            for kpi in application.kpis.all()
        }
        return services.application_update(
            actor=user,
            application=application,
            data=data,
            kpis=commitments if complete else None,
            joint_organisations=[self.organisations[key] for key in joint],
        )

    def _score(self, application: Application, panel: list[str], totals: list[int]) -> None:
        """Formal review passed, the panel assigned, and every expert scores."""
        services.application_pass(actor=self.reviewer, application=application)
        assignments = services.application_assign(
            actor=self.reviewer,
            application=application,
            experts=[self.users[username] for username in panel],
        )
        for index, (assignment, total) in enumerate(zip(assignments, totals, strict=True)):
            self._score_one(assignment, total, index)

    def _score_one(self, assignment, total: int, index: int) -> None:
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
        services.score_submit(
            actor=assignment.expert,
            assignment=assignment,
            points=points_for(assignment.application, total),
            comment=REVIEW_COMMENTS[index % len(REVIEW_COMMENTS)],
        )

    def _approve(self, application: Application, amount: int, reason: str) -> None:
        services.application_approve(
            actor=self.reviewer, application=application, amount=amount * WAN, reason=reason
        )

    def _report(
        self,
        application: Application,
        narrative: str,
        actuals: Mapping[str, int],
        *,
        final: bool = False,
    ) -> None:
        services.progress_report_submit(
            actor=application.created_by,
            application=application,
            narrative=narrative,
            actuals=actuals,
            final=final,
        )

    def _backdate(self, application: Application, *, months: int) -> None:
        """Demo only: start the project `months` ago, so a progress report is overdue.

        The approval service dates a project from the day of approval (today, for demo data);
        no service moves a running project's dates. The change is recorded in the audit log.
        """
        application.refresh_from_db()
        before = {"start_date": str(application.start_date), "end_date": str(application.end_date)}
        start = add_months(self.today, -months)
        end = add_months(start, application.period_months)
        Application.objects.filter(pk=application.pk).update(start_date=start, end_date=end)
        audit_record(
            actor=None,
            actor_label=DEMO_LABEL,
            event=events.DEMO_PROJECT_BACKDATE,
            target=application,
            before=before,
            after={"start_date": str(start), "end_date": str(end)},
            reason="演示数据：项目起始日期前移，以展示逾期未报送进度报告的项目。",
        )

    # This year's states, reached from a complete draft.

    def _to_draft(self, application: Application) -> None:
        pass

    def _to_submitted(self, application: Application) -> None:
        services.application_submit(actor=application.created_by, application=application)

    def _to_returned(self, application: Application) -> None:
        self._to_submitted(application)
        services.application_return(
            actor=self.reviewer,
            application=application,
            reason="“经费预算与自筹配套”未列明自筹资金来源及到位时间，请补充后重新提交。",
        )

    def _to_formal_passed(self, application: Application) -> None:
        self._to_submitted(application)
        services.application_pass(actor=self.reviewer, application=application)

    def _to_under_review(self, application: Application) -> None:
        """Five experts asked: one has not answered yet (the demo expert), one declined for a
        conflict of interest, two scored and one is still scoring."""
        self._to_submitted(application)
        services.application_pass(actor=self.reviewer, application=application)
        panel = ["expert", "expert3", "expert4", "expert5", "expert6"]
        _pending, declined, *accepted = services.application_assign(
            actor=self.reviewer,
            application=application,
            experts=[self.users[username] for username in panel],
        )
        services.assignment_decline(
            actor=declined.expert,
            assignment=declined,
            reason="本人近三年与申报单位有合作研究项目，申请回避。",
        )
        for index, (assignment, total) in enumerate(zip(accepted[:2], [86, 82], strict=True)):
            self._score_one(assignment, total, index)
        services.assignment_accept(actor=accepted[2].expert, assignment=accepted[2])

    def _to_scored(self, application: Application) -> None:
        self._to_submitted(application)
        self._score(
            application, ["expert", "expert2", "expert3", "expert4", "expert5"], SCORED_SCORES
        )

    def _to_rejected(self, application: Application) -> None:
        self._to_submitted(application)
        self._score(
            application,
            ["expert2", "expert3", "expert4", "expert5", "expert6"],
            [58, 62, 55, 60, 64],
        )
        application.refresh_from_db()
        services.application_reject(
            actor=self.reviewer,
            application=application,
            reason=(
                f"专家评审得分{application.final_score}分，低于本批次立项分数线；"
                "实施方案与产业规划类专利导航的任务要求差距较大。"
            ),
        )


def _narrative(application: Application, organisation: Organisation, title: str, amount: int):
    months = application.period_months
    half = max(months // 2, 1)
    return {
        "basis": (
            f"{organisation.name}长期从事知识产权创造、运用和服务工作，设有专门的知识产权管理部门，"
            "具备开展本项目所需的人员、场地和工作基础。（演示数据）"
        ),
        "plan": (
            f"围绕“{title}”，按照申报指南第{application.spec['code']}类项目的任务要求，"
            "明确分工、分阶段组织实施，逐项落实考核指标。"
        ),
        "schedule": (
            f"第1—{half}个月：组建团队，制定实施细则并启动重点任务；"
            f"第{half + 1}—{months}个月：全面实施，形成成果，总结评估并申请验收。"
        ),
        "budget": (
            f"申请省级专项资金{amount}万元，单位自筹{amount // 2}万元，"
            "主要用于专利检索分析、专业服务采购、人员培训和平台运维。"
        ),
        "benefit": "推动专利技术转移转化和产业化实施，带动区域相关产业高质量发展。",
    }


PARK_SCORES = [85, 88, 79, 90, 83]
# 82, 76, 88, 70, 91: the highest and lowest dropped, the final score is (76 + 82 + 88) / 3 = 82.
SCORED_SCORES = [82, 76, 88, 70, 91]

# (category, applicant user name, content) for last year's call; the order matters to
# `earlier_call`, which takes each on to its state.
EARLIER_DECLARATIONS: list[tuple[int, str, dict[str, Any]]] = [
    (
        1,
        "park",
        {
            "title": "安康富硒产业知识产权运营中心建设",
            "summary": (
                "依托安康高新区富硒食品产业集群，建设市场化知识产权运营中心，开展产业链专利信息"
                "加工、企业技术需求挖掘和知识产权质押融资服务。"
            ),
            "amount": 120,
            "kpis": {"staff": 8, "events": 4, "sme_growth": 25, "nav_training": 200},
        },
    ),
    (
        4,
        "enterprise",
        {
            "title": "富硒产业专利转移转化服务平台建设",
            "summary": "建设面向富硒产业的专利转移转化与开放许可服务平台，促成专利转化和质押融资。",
            "amount": 80,
            "kpis": {"conversions": 60, "conversion_amount": 600},
        },
    ),
    (
        5,
        "government",
        {
            "title": "安康市富硒食品产业专利导航",
            "summary": "开展富硒食品产业规划类专利导航，支撑全市产业创新发展规划决策。",
            "amount": 30,
            "subtype": "产业规划类",
            "joint": ("agency",),
        },
    ),
    (
        2,
        "university",
        {
            "title": "新型功能材料高价值专利培育中心建设",
            "summary": "围绕新型功能材料领域，建设高价值专利培育中心，完善专利全过程管理体系。",
            "amount": 60,
            "kpis": {"invention_growth": 35},
        },
    ),
    (
        6,
        "county",
        {
            "title": "汉阴县工业集中区知识产权公共服务能力提升",
            "summary": "建设县域知识产权综合性公共服务机构，培养专利信息分析人才，服务重点企业。",
            "amount": 50,
            "joint": ("agency",),
        },
    ),
]

# (category, applicant user name, content, state) for this year's open call. Category 3 is left
# free for the demo enterprise (see the module docstring).
CURRENT_DECLARATIONS: list[tuple[int, str, dict[str, Any], str]] = [
    (
        4,
        "agency",
        {
            "title": "秦创原专利开放许可综合服务平台",
            "summary": "搭建专利开放许可供需对接平台，提供许可备案、价值评估和质押融资一站式服务。",
            "amount": 90,
            "complete": False,
        },
        S.DRAFT,
    ),
    (
        4,
        "university",
        {
            "title": "高校专利转化服务平台建设",
            "summary": "建设校级专利转化服务平台，开展专利开放许可、作价入股和质押融资服务。",
            "amount": 70,
            "kpis": {"conversions": 55},
        },
        S.SUBMITTED,
    ),
    (
        5,
        "government",
        {
            "title": "安康市县域特色产业区域规划类专利导航",
            "summary": "面向安康市县域特色产业开展区域规划类专利导航，支撑区域产业布局决策。",
            "amount": 30,
            "subtype": "区域规划类",
            "joint": ("agency",),
        },
        S.RETURNED,
    ),
    (
        6,
        "county",
        {
            "title": "汉阴县工业集中区专利信息精准推送服务",
            "summary": "面向园区重点企业精准推送专利信息，培育高价值专利并推动专利在园区转化。",
            "amount": 50,
            "kpis": {"hv_patents": 25, "converted": 12},
            "joint": ("agency",),
        },
        S.FORMAL_PASSED,
    ),
    (
        2,
        "university",
        {
            "title": "智能装备关键零部件高价值专利培育",
            "summary": "围绕智能装备关键零部件开展专利导航和布局，培育一批高价值发明专利。",
            "amount": 80,
            "kpis": {"invention_growth": 40},
        },
        S.UNDER_REVIEW,
    ),
    (
        1,
        "agency",
        {
            "title": "陕西省新材料产业知识产权运营中心建设",
            "summary": "建设新材料产业知识产权运营中心，开展专利信息服务、供需对接和质押融资服务。",
            "amount": 150,
            "kpis": {"staff": 10, "nav_reports": 3, "nav_training": 300},
        },
        S.SCORED,
    ),
    (
        5,
        "park",
        {
            "title": "安康高新区富硒产业专利导航",
            "summary": "开展富硒产业专利导航，梳理产业链关键技术和创新主体。",
            "amount": 25,
            "subtype": "产业规划类",
        },
        S.REJECTED,
    ),
]
