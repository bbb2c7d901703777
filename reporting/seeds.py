"""Seeded statistics: data elements, the quarterly return, validation rules, indicators, targets.

From DOMAIN.md §5 and §6 and the documents in shared/seeds/. Every target cites its clause.
`seed_reporting()` creates what is missing and never overwrites: once seeded, these rows belong
to the bureau, which edits them in the UI. Used by migration 0002 (historical models) and by
`load_demo` (after a test flush).

Baselines: the documents give targets, not starting points. A seeded target's baseline is the
portal's computed value at the end of the last quarter before the document was issued
(`baseline_value` left empty means exactly that), except where the document implies one (the
2025 contract turnover is a yearly figure that starts from 0 on 1 January).
"""

from datetime import date
from decimal import Decimal
from typing import Any

DOC_11 = "陕政办发〔2024〕11号"
DOC_13 = "安政办发〔2024〕13号"
DOC_STATE = "国办《专利转化运用专项行动方案（2023—2025年）》"
STATS = "DOMAIN.md §6 季度统计"

# (code, name, unit, value type, kind, lower bound, source)
ELEMENTS = [
    ("VALID_INVENTION", "有效发明专利拥有量", "件", "integer", "stock", 0, f"{DOC_13} 第2条"),
    (
        "HIGH_VALUE_INVENTION",
        "高价值发明专利拥有量",
        "件",
        "integer",
        "stock",
        0,
        f"{DOC_13} 第2条",
    ),
    ("VALID_TRADEMARK", "有效商标持有量", "件", "integer", "stock", 0, f"{DOC_13} 第2条"),
    ("TRANSFER_COUNT", "专利转让许可次数", "件", "integer", "flow", 0, STATS),
    ("TRANSFER_AMOUNT", "专利转让许可金额", "万元", "decimal", "flow", None, STATS),
    ("OPEN_LICENCE_DEALS", "专利开放许可达成数", "件", "integer", "flow", 0, f"{DOC_STATE} (二)"),
    ("PLEDGE_COUNT", "专利质押融资项目数", "个", "integer", "flow", 0, f"{DOC_11} (十一)"),
    ("PLEDGE_AMOUNT", "专利质押融资金额", "万元", "decimal", "flow", None, f"{DOC_11} (十一)"),
    ("CONTRACT_COUNT", "涉及专利的技术合同登记数", "件", "integer", "flow", 0, f"{DOC_11} (一)"),
    (
        "CONTRACT_AMOUNT",
        "涉及专利的技术合同成交额",
        "万元",
        "decimal",
        "flow",
        None,
        f"{DOC_11} (一)",
    ),
    ("PRODUCT_FILINGS", "专利产品备案数", "件", "integer", "flow", 0, f"{DOC_11} (六)"),
    (
        "PRODUCT_OUTPUT",
        "已备案专利密集型产品产值",
        "万元",
        "decimal",
        "flow",
        None,
        f"{DOC_STATE} 一",
    ),
    ("PATENT_ENTERPRISES", "拥有有效专利的企业数", "家", "integer", "stock", 0, f"{DOC_11} (六)"),
    (
        "FILED_ENTERPRISES",
        "已开展专利产品备案的企业数",
        "家",
        "integer",
        "stock",
        0,
        f"{DOC_11} (六)",
    ),
    ("NEW_SPECIALISED", "新认定省级专精特新企业", "家", "integer", "flow", 0, f"{DOC_11} (三)"),
    (
        "NEW_LITTLE_GIANT",
        "新认定国家专精特新“小巨人”企业",
        "家",
        "integer",
        "flow",
        0,
        f"{DOC_11} (三)",
    ),
    (
        "INDUSTRIALISED_ENTERPRISES",
        "专利产业化水平大幅提升的企业数",
        "家",
        "integer",
        "stock",
        0,
        f"{DOC_11} (三)",
    ),
    (
        "ADVANTAGE_GIANTS",
        "拥有专利优势的小巨人和单项冠军企业数",
        "家",
        "integer",
        "stock",
        0,
        f"{DOC_11} (三)",
    ),
    (
        "UNCONVERTED_VALID",
        "高校院所未转化有效专利数",
        "件",
        "integer",
        "stock",
        0,
        f"{DOC_11} (一)",
    ),
    ("INVENTORIED", "高校院所已盘点存量专利数", "件", "integer", "stock", 0, f"{DOC_11} (一)"),
    ("NAVIGATION_PROJECTS", "专利导航项目数", "个", "integer", "flow", 0, f"{DOC_11} (五)"),
    ("TRAININGS", "知识产权培训场次", "场", "integer", "flow", 0, STATS),
]

FORM = {
    "code": "QUARTERLY",
    "name": "专利转化运用季度统计表",
    "due_days": 15,
    "needs_approval": True,
    "source": STATS,
}
# The ten cities, Yangling and Xixian report to the province as units of their own.
REPORTING_UNITS = [
    "610100", "610200", "610300", "610400", "610500", "610600", "610700", "610800", "610900",
    "611000", "61YL00", "61XX00",
]  # fmt: skip

# (code, name, condition, left, operator, right, for each, importance, comment excuses, message)
RULES = [
    (
        "HIGH_VALUE_LE_VALID",
        "高价值发明专利不超过有效发明专利",
        "",
        "HIGH_VALUE_INVENTION",
        "<=",
        "VALID_INVENTION",
        "",
        "blocking",
        False,
        "高价值发明专利拥有量不能大于有效发明专利拥有量。",
    ),
    (
        "STOCK_NOT_FALLING",
        "存量指标较上季度下降须说明",
        "",
        "$",
        ">=",
        "prev($)",
        "stock",
        "blocking",
        True,
        "存量指标低于上季度，请在备注栏说明原因。",
    ),
    (
        "AMOUNT_NOT_NEGATIVE",
        "金额不能为负",
        "",
        "$",
        ">=",
        "0",
        "money",
        "blocking",
        False,
        "金额不能为负数。",
    ),
    (
        "PLEDGE_AMOUNT_NEEDS_COUNT",
        "有质押金额须有质押项目数",
        "PLEDGE_AMOUNT > 0",
        "PLEDGE_COUNT",
        ">",
        "0",
        "",
        "blocking",
        False,
        "填写了质押融资金额，质押融资项目数须大于0。",
    ),
    (
        "INVENTORIED_LE_UNCONVERTED",
        "已盘点专利不超过未转化有效专利",
        "",
        "INVENTORIED",
        "<=",
        "UNCONVERTED_VALID",
        "",
        "warning",
        False,
        "已盘点存量专利数大于未转化有效专利数，请核对。",
    ),
    (
        "FILED_LE_PATENT_ENTERPRISES",
        "备案企业不超过有专利的企业",
        "",
        "FILED_ENTERPRISES",
        "<=",
        "PATENT_ENTERPRISES",
        "",
        "blocking",
        False,
        "已开展专利产品备案的企业数不能大于拥有有效专利的企业数。",
    ),
]

# (code, name, unit, group, source kind, element, denominator, scale, portal source, sort)
INDICATORS = [
    ("CONTRACT_TURNOVER", "涉及专利的技术合同成交额", "亿元", "转化运用", "element",
     "CONTRACT_AMOUNT", None, Decimal("0.0001"), "", 10),
    ("INVENTORY_COVERAGE", "存量专利盘点覆盖率", "%", "转化运用", "ratio",
     "INVENTORIED", "UNCONVERTED_VALID", Decimal(100), "", 20),
    ("INDUSTRIALISED_ENTERPRISES", "专利产业化水平大幅提升的企业", "家", "企业培育", "element",
     "INDUSTRIALISED_ENTERPRISES", None, Decimal(1), "", 30),
    ("ADVANTAGE_GIANTS", "拥有专利优势的小巨人和单项冠军企业", "家", "企业培育", "element",
     "ADVANTAGE_GIANTS", None, Decimal(1), "", 40),
    ("FILING_COVERAGE", "专利企业专利产品备案覆盖率", "%", "企业培育", "ratio",
     "FILED_ENTERPRISES", "PATENT_ENTERPRISES", Decimal(100), "", 50),
    ("VALID_INVENTION", "有效发明专利拥有量", "件", "专利创造", "element",
     "VALID_INVENTION", None, Decimal(1), "", 60),
    ("HIGH_VALUE_INVENTION", "高价值发明专利拥有量", "件", "专利创造", "element",
     "HIGH_VALUE_INVENTION", None, Decimal(1), "", 70),
    ("VALID_TRADEMARK", "有效商标持有量", "件", "专利创造", "element",
     "VALID_TRADEMARK", None, Decimal(1), "", 80),
    ("PLEDGE_FINANCING", "专利质押融资金额", "亿元", "转化运用", "element",
     "PLEDGE_AMOUNT", None, Decimal("0.0001"), "", 90),
    ("PRODUCT_OUTPUT", "已备案专利密集型产品产值", "亿元", "企业培育", "element",
     "PRODUCT_OUTPUT", None, Decimal("0.0001"), "", 100),
    ("PROJECTS_ACCEPTED", "通过验收的专利转化专项项目", "个", "转化运用", "portal",
     None, None, Decimal(1), "projects.accepted", 110),
    ("POOL_COVERAGE", "存量专利盘点覆盖率（专利库）", "%", "转化运用", "portal",
     None, None, Decimal(100), "patents.inventory_coverage", 25),
    ("POOL_CONVERSION_AMOUNT", "专利转让许可金额累计（专利库登记）", "万元", "转化运用", "portal",
     None, None, Decimal("0.0001"), "patents.conversion_amount", 15),
    ("POOL_UPTAKE_AMOUNT", "企业受让和获许可专利金额累计（专利库登记）", "万元", "转化运用",
     "portal", None, None, Decimal("0.0001"), "patents.uptake_amount", 16),
    ("POOL_PLEDGE_AMOUNT", "专利质押融资金额累计（专利库登记）", "万元", "转化运用", "portal",
     None, None, Decimal("0.0001"), "patents.pledge_amount", 95),
    ("PROJECTS_APPROVED", "立项的专利转化专项项目", "个", "转化运用", "portal",
     None, None, Decimal(1), "projects.approved", 105),
    ("INCENTIVES_PAID", "奖补资金已兑付累计", "万元", "政策兑现", "portal",
     None, None, Decimal("0.0001"), "incentives.paid", 120),
]  # fmt: skip

END_2025 = date(2025, 12, 31)
# (indicator, region code or None for the nation, deadline, target, baseline value or None,
#  baseline date, source)
TARGETS = [
    ("CONTRACT_TURNOVER", "610000", END_2025, Decimal(300), Decimal(0), date(2024, 12, 31),
     f"{DOC_11} (一)：到2025年涉及专利的技术合同成交额达到300亿元"),
    ("INVENTORY_COVERAGE", "610000", END_2025, Decimal(100), None, date(2024, 3, 31),
     f"{DOC_11} (一)：2025年底前实现全省高校和科研机构未转化的有效专利全覆盖"),
    ("INDUSTRIALISED_ENTERPRISES", "610000", END_2025, Decimal(150), None, date(2024, 3, 31),
     f"{DOC_11} (三)：2025年底前支持150家以上企业大幅提升专利产业化水平"),
    ("ADVANTAGE_GIANTS", "610000", END_2025, Decimal(30), None, date(2024, 3, 31),
     f"{DOC_11} (三)：培育形成30家以上拥有专利优势的专精特新“小巨人”企业和单项冠军企业"),
    ("FILING_COVERAGE", "610000", END_2025, Decimal(100), None, date(2024, 3, 31),
     f"{DOC_11} (六)：2025年底实现全省专利企业专利产品备案全覆盖"),
    ("INVENTORY_COVERAGE", "610900", END_2025, Decimal(100), None, date(2024, 9, 30),
     f"{DOC_13} 第1条：力争2025年底前实现全市高校、科研机构未转化的有效专利全覆盖"),
    ("VALID_INVENTION", "610900", END_2025, Decimal(400), None, date(2024, 9, 30),
     f"{DOC_13} 第2条：到2025年底全市有效发明专利拥有量400件以上"),
    ("HIGH_VALUE_INVENTION", "610900", END_2025, Decimal(100), None, date(2024, 9, 30),
     f"{DOC_13} 第2条：高价值发明专利100件以上"),
    ("VALID_TRADEMARK", "610900", END_2025, Decimal(30000), None, date(2024, 9, 30),
     f"{DOC_13} 第2条：有效商标持有量3万件以上"),
    ("CONTRACT_TURNOVER", None, END_2025, Decimal(8000), Decimal(0), date(2024, 12, 31),
     f"{DOC_STATE} 一：全国涉及专利的技术合同成交额达到8000亿元（参考）"),
    ("PRODUCT_OUTPUT", None, END_2025, Decimal(10000), Decimal(0), date(2024, 12, 31),
     f"{DOC_STATE} 一：全国备案认定的专利密集型产品产值超万亿元（参考）"),
]  # fmt: skip


def seed_reporting(
    DataElement,
    ReturnForm,
    ValidationRule,
    Indicator,
    Target,
    Region,
) -> int:
    """Create the seeded rows that are missing; return how many were created."""
    created = 0
    elements: dict[str | None, Any] = {}  # by code; an indicator without one: None
    for sort, (code, name, unit, value_type, kind, lower, source) in enumerate(ELEMENTS, 1):
        element, made = DataElement.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "value_type": value_type,
                "kind": kind,
                "lower_bound": None if lower is None else Decimal(lower),
                "source": source,
                "sort": sort * 10,
            },
        )
        elements[code] = element
        created += made
    form, made = ReturnForm.objects.get_or_create(code=FORM["code"], defaults=FORM)
    created += made
    if made:
        form.elements.set(elements.values())
        form.regions.set(Region.objects.filter(code__in=REPORTING_UNITS))
    for code, name, condition, left, operator, right, each, importance, excuses, message in RULES:
        _rule, made = ValidationRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "condition": condition,
                "left": left,
                "operator": operator,
                "right": right,
                "for_each": each,
                "importance": importance,
                "comment_excuses": excuses,
                "message": message,
                "source": STATS,
            },
        )
        created += made
    indicators = {}
    for code, name, unit, group, kind, element, denominator, scale, portal, sort in INDICATORS:
        indicator, made = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "group": group,
                "source_kind": kind,
                "element": elements.get(element),
                "denominator": elements.get(denominator),
                "scale": scale,
                "portal_source": portal,
                "sort": sort,
            },
        )
        indicators[code] = indicator
        created += made
    regions = {region.code: region for region in Region.objects.all()}
    for code, region_code, deadline, value, baseline, baseline_date, source in TARGETS:
        if region_code is not None and region_code not in regions:
            continue
        _target, made = Target.objects.get_or_create(
            indicator=indicators[code],
            region=regions.get(region_code) if region_code else None,
            deadline=deadline,
            defaults={
                "target_value": value,
                "baseline_value": baseline,
                "baseline_date": baseline_date,
                "source": source,
            },
        )
        created += made
    return created
