"""The six categories of 陕西省2023年专利转化专项计划项目申报指南 (seeds/002), as data.

`seed_categories()` creates what is missing and never overwrites: after the first run the
categories belong to the bureau, which edits them in the UI for the next call. It is used by a
data migration (with historical models) and by `load_demo` (with the real ones).
"""

from decimal import Decimal
from typing import Any

GUIDE = "陕西省2023年专利转化专项计划项目申报指南"
WAN = Decimal(10_000)

# The guide gives no scoring rubric: this is the portal's default, marked as such, and the bureau
# replaces it per category in the UI. Weights sum to 100.
DEFAULT_RUBRIC_SOURCE = "门户默认评分细则（指南未规定，由省知识产权局在系统中调整）"
DEFAULT_RUBRIC = [
    ("basis", "申报主体基础与能力", "组织架构、人员、场地、既往业绩与知识产权工作基础。", 20),
    ("targets", "目标任务与考核指标", "目标是否明确、指标是否量化且不低于指南要求。", 25),
    ("plan", "实施方案可行性", "技术路线、进度安排、合作机制与保障措施。", 25),
    ("benefit", "预期效益与示范带动", "对专利转化、产业发展和区域经济的带动作用。", 20),
    ("budget", "经费预算合理性", "预算编制是否合理，自筹与配套是否落实。", 10),
]


def _kpi(code, name, unit, comparator, minimum, clause):
    return {
        "code": code,
        "name": name,
        "unit": unit,
        "comparator": comparator,
        "minimum": Decimal(minimum),
        "source": f"{GUIDE} {clause}",
    }


CATEGORIES: list[dict[str, Any]] = [
    {
        "code": 1,
        "name": "重点产业知识产权运营中心建设项目",
        "period_months": 12,
        "eligible_kinds": ["park", "agency"],
        "rules": [],
        "subtypes": [],
        "amount_min": 50 * WAN,
        "amount_max": None,
        "amount_source": "陕政办发〔2024〕11号 (五)：完成目标任务的运营中心每家奖补不低于50万元",
        "tasks": (
            "建立市场化知识产权运营中心；加工整理产业链专利信息；挖掘企业的专利技术需求；"
            "拓宽融资服务渠道；开展高价值专利培育。"
        ),
        "eligibility_text": (
            "省内园区（国家级新区、高新技术产业开发区、经济技术开发区）管委会或认定的管理运营机构；"
            "知识产权聚集区、产业孵化器的管理运营机构；重点产业链、产业联盟的管理运营机构、"
            "知识产权运营中心。申报主体所在地被省、市确定为重点产业链集聚区。"
        ),
        "kpis": [
            _kpi("staff", "运营中心专职人员", "人", "gte", 6, "第1类 项目目标1"),
            _kpi("events", "组织入园惠企活动", "次", "gte", 2, "第1类 项目目标2"),
            _kpi(
                "sme_growth",
                "受让高校院所专利的中小企业数量年度增幅",
                "%",
                "growth",
                20,
                "第1类 项目目标2",
            ),
            _kpi(
                "pledge_amount_growth",
                "知识产权质押融资金额年度增幅",
                "%",
                "growth",
                20,
                "第1类 项目目标2",
            ),
            _kpi(
                "pledge_count_growth",
                "知识产权质押融资项目数年度增幅",
                "%",
                "growth",
                20,
                "第1类 项目目标2",
            ),
            _kpi(
                "database_years",
                "产业专利信息专题数据库运维服务",
                "年",
                "gte",
                3,
                "第1类 项目目标3",
            ),
            _kpi("nav_reports", "企业经营类专利导航报告", "份", "gte", 2, "第1类 项目目标4"),
            _kpi("nav_training", "专利导航人才培育", "人次", "gte", 150, "第1类 项目目标4"),
        ],
    },
    {
        "code": 2,
        "name": "高价值专利培育中心建设项目",
        "period_months": 12,
        "eligible_kinds": ["enterprise", "university", "institute"],
        "rules": [{"rule": "no_unaccepted_project", "category": 2}],
        "subtypes": [],
        "amount_min": 30 * WAN,
        "amount_max": None,
        "amount_source": "陕政办发〔2024〕11号 (二)：每个项目支持资金不低于30万元",
        "tasks": (
            "建立完善专利管理机制，强化专利评价导向；开展专利信息检索分析，服务研发及专利布局；"
            "建立健全各类创新中心与知识产权专业服务机构对接合作机制；培育产出若干高质量发明专利。"
        ),
        "eligibility_text": (
            "在相关技术领域技术研发水平处于行业领先的企业、高校和科研机构。"
            "牵头单位承担我局高价值专利培育项目且尚未验收的，本次不申报。"
        ),
        "kpis": [
            _kpi(
                "invention_growth",
                "新增发明专利申请、有海外同族发明专利申请合计增幅",
                "%",
                "growth",
                30,
                "第2类 项目目标1",
            ),
            _kpi(
                "hv_report",
                "产业高价值专利培育报告（含专利生命周期的高价值专利目录）",
                "",
                "done",
                1,
                "第2类 项目目标2",
            ),
            _kpi("mgmt_system", "专利全过程管理体系", "", "done", 1, "第2类 项目目标3"),
        ],
    },
    {
        "code": 3,
        "name": "科创企业专利运营赋能项目",
        "period_months": 12,
        "eligible_kinds": ["enterprise"],
        "rules": [
            {"rule": "qualification", "kind": "listing_reserve", "year": 2023},
            {"rule": "patent_count", "kinds": ["invention", "utility_model"], "minimum": 10},
        ],
        "subtypes": [],
        "amount_min": None,
        "amount_max": None,
        "amount_source": "",
        "tasks": (
            "梳理技术短板和技术需求，引入高校、院所、国有企业专利技术；实施专利导航项目；"
            "开展企业拟上市知识产权风险综合评估；开展专利产品备案工作。"
        ),
        "eligibility_text": (
            "隐形冠军企业、专精特新“小巨人”企业、瞪羚企业和独角兽企业等科技创新型中小微企业，"
            "列入我省2023年重点上市后备企业名单；发明或实用新型专利数量不少于10件。"
        ),
        "kpis": [
            _kpi("transfers_in", "专利转让、许可承接次数", "次", "gte", 5, "第3类 项目目标1"),
            _kpi("hv_patents", "培育高价值专利", "件", "gte", 5, "第3类 项目目标2"),
            _kpi(
                "nav_report",
                "专利导航报告（含企业拟上市知识产权综合风险评估报告）",
                "",
                "done",
                1,
                "第3类 项目目标3",
            ),
            _kpi("product_filing", "专利产品备案", "", "done", 1, "第3类 项目目标4"),
        ],
    },
    {
        "code": 4,
        "name": "专利转化服务平台支撑项目",
        "period_months": 12,
        "eligible_kinds": ["enterprise", "university", "institute", "agency"],
        "rules": [],
        "subtypes": [],
        "amount_min": None,
        "amount_max": None,
        "amount_source": "",
        "tasks": "促成专利技术转移转化；推动专利开放许可；促成专利权质押融资。",
        "eligibility_text": (
            "具有承担相关服务能力的企业、高校、以及在专利运营、金融服务、信息数据领域有较强影响力的"
            "平台载体或服务机构。"
        ),
        "kpis": [
            _kpi(
                "conversions", "促成专利转移转化、开放许可件数", "件", "gte", 50, "第4类 项目目标1"
            ),
            _kpi("conversion_amount", "转移转化合同金额", "万元", "gte", 500, "第4类 项目目标1"),
            _kpi("pledge_projects", "促成专利权质押融资项目", "项", "gte", 5, "第4类 项目目标2"),
            _kpi("pledge_amount", "质押融资金额", "万元", "gte", 2000, "第4类 项目目标2"),
        ],
    },
    {
        "code": 5,
        "name": "专利导航项目",
        "period_months": 6,
        "eligible_kinds": ["government", "park", "agency", "enterprise", "university", "institute"],
        "rules": [{"rule": "subtype"}],
        "subtypes": ["产业规划类", "区域规划类", "人才管理类", "研发活动类"],
        "amount_min": 10 * WAN,
        "amount_max": 30 * WAN,
        "amount_source": "陕政办发〔2024〕11号 (五)；安政办发〔2024〕13号 第6条：每项10万元—30万元",
        "tasks": (
            "围绕产业链部署创新链，实施产业规划类、区域规划类、人才管理类、研发活动类等四类专利导航"
            "项目，支撑区域规划决策、产业创新发展规划决策、人才遴选和评价、研发立项评价和过程评价。"
        ),
        "eligibility_text": (
            "优先支持县级以上政府或其有关部门、省级以上产业园区联合国家级、省级专利导航服务基地、"
            "知识产权服务机构共同申报。"
        ),
        "kpis": [
            _kpi("nav_report", "专利导航报告、简要报告", "", "done", 1, "第5类 项目目标1"),
            _kpi(
                "database", "为园区、产业骨干企业提供相关数据库", "", "done", 1, "第5类 项目目标2"
            ),
            _kpi("policy", "支撑出台专利导航专项及相关政策", "", "done", 1, "第5类 项目目标3"),
            _kpi("events", "导航发布会、宣讲会、成果咨询会", "次", "gte", 1, "第5类 项目目标4"),
        ],
    },
    {
        "code": 6,
        "name": "公共服务助力县域经济发展项目",
        "period_months": 12,
        "eligible_kinds": ["park", "agency", "government"],
        "rules": [{"rule": "county_region"}],
        "subtypes": [],
        "amount_min": None,
        "amount_max": None,
        "amount_source": "",
        "tasks": (
            "建设知识产权公共服务机构、培养专业人才、开展专利信息推送、培育高价值专利，"
            "推动知识产权公共服务资源向县级延伸。"
        ),
        "eligibility_text": (
            "县域工业集中区管委会或其承担公共服务职能的公共服务平台牵头联合知识产权信息服务机构"
            "共同申报。"
        ),
        "kpis": [
            _kpi(
                "institution",
                "县域工业集中区知识产权综合性公共服务机构",
                "",
                "done",
                1,
                "第6类 项目目标1",
            ),
            _kpi("analysts", "培养专利信息分析利用人才", "名", "gte", 2, "第6类 项目目标1"),
            _kpi("industry_report", "产业专利导航报告", "份", "gte", 1, "第6类 项目目标2"),
            _kpi(
                "enterprise_reports",
                "形成专利导航报告的区内企业",
                "家",
                "gte",
                5,
                "第6类 项目目标2",
            ),
            _kpi("hv_patents", "培育高价值专利", "件", "gte", 20, "第6类 项目目标3"),
            _kpi("converted", "园区转化实施专利", "件", "gte", 10, "第6类 项目目标3"),
            _kpi("push", "针对园区重点企业开展专利信息精准推送", "", "done", 1, "第6类 项目目标4"),
            _kpi("trainings", "专利相关业务集中培训", "次", "gte", 2, "第6类 项目目标5"),
        ],
    },
]


def seed_categories(category_model, kpi_model, criterion_model) -> int:
    """Create the categories that are missing, with their KPIs and rubric. Returns how many."""
    created = 0
    for data in CATEGORIES:
        fields = {key: value for key, value in data.items() if key not in {"code", "kpis"}}
        fields["source"] = f"{GUIDE} 第{data['code']}类"
        category, was_created = category_model.objects.get_or_create(
            code=data["code"], defaults=fields
        )
        if not was_created:
            continue
        created += 1
        kpi_model.objects.bulk_create(
            kpi_model(category=category, position=index, **kpi)
            for index, kpi in enumerate(data["kpis"])
        )
        criterion_model.objects.bulk_create(
            criterion_model(
                category=category,
                code=code,
                name=name,
                guidance=guidance,
                weight=weight,
                source=DEFAULT_RUBRIC_SOURCE,
                position=index,
            )
            for index, (code, name, guidance, weight) in enumerate(DEFAULT_RUBRIC)
        )
    return created


def seed() -> int:
    from projects.models import Category, KPITemplate, RubricCriterion

    return seed_categories(Category, KPITemplate, RubricCriterion)
