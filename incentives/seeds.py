"""The subsidy and reward policies of DOMAIN.md §4, each with its document and clause.

Seeded once by migration (only missing codes are created, so nothing the bureau edited changes).
Where a document states no figure (the interest-subsidy and premium rates, the first-set tiers),
the row says so in its source and the bureau sets it for the year in the UI: that makes the
next version of the policy.
"""

from datetime import date
from decimal import Decimal

DOC_11 = "陕政办发〔2024〕11号"
DOC_13 = "安政办发〔2024〕13号"
OPENS = date(2024, 1, 1)
CLOSES = date(2026, 12, 31)
WAN = Decimal(10_000)
ENTERPRISE = ["enterprise"]
RATE_NOTE = "比例文件未规定，以年度申报通知为准（种子值50%，请按通知修改为新版本）"

# code → fields of incentives.models.Policy (region as a GB/T 2260 code).
POLICIES = {
    "hv-cultivation-centre": {
        "title": "高价值专利培育中心建设支持", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(二)", "department": "省知识产权局",
        "claimant_kinds": ["university", "institute", "enterprise"],
        "evidence": ["培育中心建设方案", "立项或认定文件"],
        "amount_kind": "floor", "amount": 30 * WAN,
        "source": f"{DOC_11} (二)：每个项目支持不低于30万元",
    },
    "specialised-province": {
        "title": "首次认定省级专精特新中小企业奖励", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(三)", "department": "省工业和信息化厅",
        "claimant_kinds": ENTERPRISE, "qualification": "specialised_provincial",
        "qualified_since": 2024, "evidence": ["认定文件"],
        "amount_kind": "fixed", "amount": 20 * WAN, "one_time": True,
        "source": f"{DOC_11} (三)：对首次认定的省级专精特新中小企业给予每户20万元一次性奖励",
    },
    "little-giant-province": {
        "title": "首次认定国家级专精特新“小巨人”企业奖励", "level": "province",
        "region": "610000", "document": DOC_11, "clause": "(三)",
        "department": "省工业和信息化厅", "claimant_kinds": ENTERPRISE,
        "qualification": "little_giant", "qualified_since": 2024, "evidence": ["认定文件"],
        "amount_kind": "fixed", "amount": 50 * WAN, "one_time": True,
        "source": f"{DOC_11} (三)：对首次认定的国家级专精特新“小巨人”企业给予每户50万元一次性奖励",
    },
    "specialised-ankang": {
        "title": "首次认定省级专精特新中小企业奖励（安康市）", "level": "city", "region": "610900",
        "document": DOC_13, "clause": "第3条", "department": "市工信局",
        "claimant_kinds": ENTERPRISE, "qualification": "specialised_provincial",
        "qualified_since": 2024, "evidence": ["认定文件"],
        "amount_kind": "fixed", "amount": 10 * WAN, "one_time": True,
        "source": f"{DOC_13} 第3条：对首次认定的省级“专精特新”中小企业给予10万元奖励支持",
    },
    "little-giant-ankang": {
        "title": "首次认定国家级专精特新“小巨人”企业奖励（安康市）", "level": "city",
        "region": "610900", "document": DOC_13, "clause": "第3条", "department": "市工信局",
        "claimant_kinds": ENTERPRISE, "qualification": "little_giant", "qualified_since": 2024,
        "evidence": ["认定文件"], "amount_kind": "fixed", "amount": 20 * WAN, "one_time": True,
        "source": f"{DOC_13} 第3条：对首次认定的国家级专精特新“小巨人”企业给予20万元奖励",
    },
    "listing-support": {
        "title": "科技型企业上市培育支持计划", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(四)", "department": "省科技厅",
        "claimant_kinds": ENTERPRISE, "evidence": ["上市辅导备案或受理材料"],
        "amount_kind": "range", "amount_min": Decimal(0), "amount_max": 100 * WAN,
        "source": f"{DOC_11} (四)：给予最高100万元科技专项支持",
    },
    "listing-reserve": {
        "title": "省级上市后备企业晋档奖励", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(四)", "department": "省委金融办",
        "claimant_kinds": ENTERPRISE, "qualification": "listing_reserve",
        "evidence": ["晋档证明"], "amount_kind": "range", "amount_min": Decimal(0),
        "amount_max": 50 * WAN, "cumulative_cap": 50 * WAN,
        "source": f"{DOC_11} (四)：按不同晋档情况给予奖励，同一企业累计不超过50万元",
    },
    "ip-operation-centre": {
        "title": "重点产业知识产权运营中心绩效支持", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(五)", "department": "省知识产权局",
        "claimant_kinds": ["enterprise", "park", "agency", "institute"],
        "evidence": ["运营中心建设方案", "年度目标完成情况"],
        "amount_kind": "floor", "amount": 50 * WAN,
        "source": f"{DOC_11} (五)：对达到目标的重点产业知识产权运营中心每个支持不低于50万元",
    },
    "navigation-project": {
        "title": "专利导航项目支持（企业经营类、研发活动类、产业规划类）", "level": "province",
        "region": "610000", "document": DOC_11, "clause": "(五)",
        "department": "省知识产权局", "claimant_kinds": ["enterprise", "park", "agency"],
        "evidence": ["专利导航项目任务书"], "amount_kind": "range",
        "amount_min": 10 * WAN, "amount_max": 30 * WAN,
        "source": f"{DOC_11} (五)；{DOC_13} 第6条：专利导航项目每项支持10万元—30万元",
    },
    "pledge-interest": {
        "title": "知识产权质押贷款贴息", "level": "province", "region": "610000",
        "document": DOC_11, "clause": "(十一)", "department": "省工业和信息化厅",
        "claimant_kinds": ENTERPRISE, "evidence": ["借款合同", "质押登记通知书", "付息凭证"],
        "amount_kind": "proportion", "rate": Decimal("0.5"), "base_label": "实际支付利息",
        "duration_months": 24, "cumulative_cap": 50 * WAN,
        "source": f"{DOC_11} (十一)：按期偿还本息的，按比例给予两年贴息，单户最高不超过50万元；"
        + RATE_NOTE,
    },
    "pledge-interest-ankang": {
        "title": "知识产权质押贷款贴息（安康市）", "level": "city", "region": "610900",
        "document": DOC_13, "clause": "第12条", "department": "市市场监管局",
        "claimant_kinds": ENTERPRISE, "evidence": ["借款合同", "质押登记通知书", "付息凭证"],
        "amount_kind": "proportion", "rate": Decimal("0.5"), "base_label": "实际支付利息",
        "duration_months": 24,
        "source": f"{DOC_13} 第12条：按期偿还本息的，按比例给予两年贴息（未规定上限）；"
        + RATE_NOTE,
    },
    "ip-insurance": {
        "title": "知识产权保险保费补贴", "level": "city", "region": "610900",
        "document": DOC_13, "clause": "第12条", "department": "市市场监管局",
        "claimant_kinds": ENTERPRISE, "evidence": ["保险合同", "保费缴纳凭证"],
        "amount_kind": "proportion", "rate": Decimal("0.5"), "base_label": "实际缴纳保费",
        "source": f"{DOC_13} 第12条：执行中省知识产权保险保费补贴政策，按规定给予保费补贴；"
        + RATE_NOTE,
    },
    "first-set": {
        "title": "首台（套）重大技术装备和关键零部件、新材料首批次奖励", "level": "province",
        "region": "610000", "document": DOC_11, "clause": "(五)",
        "department": "省工业和信息化厅", "claimant_kinds": ENTERPRISE,
        "evidence": ["首台（套）或首批次认定文件", "产品销售合同及发票"],
        "amount_kind": "range", "amount_min": Decimal(0),
        "source": f"{DOC_11} (五)；{DOC_13} 第4条：按照产品销售额分档次给予奖励"
        "（档次以年度通知为准，审核人按档次确定金额）",
    },
}  # fmt: skip


def seed_policies(Policy, Region) -> int:
    """Create the policies whose code is missing; return how many were created."""
    regions = {r.code: r for r in Region.objects.filter(code__in={"610000", "610900"})}
    created = 0
    for code, fields in POLICIES.items():
        if Policy.objects.filter(code=code).exists():
            continue
        values = dict(fields)
        region = regions.get(values.pop("region"))
        if region is None:  # a database without the seeded regions (some unit tests)
            continue
        Policy.objects.create(
            code=code, version=1, region=region, opens_on=OPENS, closes_on=CLOSES, **values
        )
        created += 1
    return created
