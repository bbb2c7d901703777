"""The six categories of the 2023 guide as seeded by migration 0002 (projects/seeds.py),
checked against DOMAIN.md §3."""

from decimal import Decimal

import pytest

from projects import factories as f
from projects import seeds, services
from projects.models import Category, KPITemplate, RubricCriterion

pytestmark = pytest.mark.django_db

GUIDE = "陕西省2023年专利转化专项计划项目申报指南"

# DOMAIN.md §3, category by category: (KPI code, comparator, minimum).
MINIMUMS = {
    1: [
        ("staff", "gte", 6),
        ("events", "gte", 2),
        ("sme_growth", "growth", 20),
        ("pledge_amount_growth", "growth", 20),
        ("pledge_count_growth", "growth", 20),
        ("database_years", "gte", 3),
        ("nav_reports", "gte", 2),
        ("nav_training", "gte", 150),
    ],
    2: [("invention_growth", "growth", 30), ("hv_report", "done", 1), ("mgmt_system", "done", 1)],
    3: [
        ("transfers_in", "gte", 5),
        ("hv_patents", "gte", 5),
        ("nav_report", "done", 1),
        ("product_filing", "done", 1),
    ],
    4: [
        ("conversions", "gte", 50),
        ("conversion_amount", "gte", 500),
        ("pledge_projects", "gte", 5),
        ("pledge_amount", "gte", 2000),
    ],
    5: [
        ("nav_report", "done", 1),
        ("database", "done", 1),
        ("policy", "done", 1),
        ("events", "gte", 1),
    ],
    6: [
        ("institution", "done", 1),
        ("analysts", "gte", 2),
        ("industry_report", "gte", 1),
        ("enterprise_reports", "gte", 5),
        ("hv_patents", "gte", 20),
        ("converted", "gte", 10),
        ("push", "done", 1),
        ("trainings", "gte", 2),
    ],
}
PERIODS = {1: 12, 2: 12, 3: 12, 4: 12, 5: 6, 6: 12}
NAMES = {
    1: "重点产业知识产权运营中心建设项目",
    2: "高价值专利培育中心建设项目",
    3: "科创企业专利运营赋能项目",
    4: "专利转化服务平台支撑项目",
    5: "专利导航项目",
    6: "公共服务助力县域经济发展项目",
}


def test_the_six_categories_are_seeded():
    categories = list(Category.objects.all())
    assert [c.code for c in categories] == [1, 2, 3, 4, 5, 6]
    for category in categories:
        assert category.name == NAMES[category.code]
        assert category.period_months == PERIODS[category.code]
        assert category.source == f"{GUIDE} 第{category.code}类"
        assert category.version == 1
        assert category.tasks and category.eligibility_text


@pytest.mark.parametrize("code", sorted(MINIMUMS))
def test_kpi_minimums_follow_the_guide(code):
    kpis = list(Category.objects.get(code=code).kpis.all())
    assert [(k.code, k.comparator, k.minimum) for k in kpis] == [
        (kpi, comparator, Decimal(minimum)) for kpi, comparator, minimum in MINIMUMS[code]
    ]


def test_headline_minimums():
    def minimum(code, kpi):
        return KPITemplate.objects.get(category__code=code, code=kpi)

    pledge = minimum(4, "pledge_amount")
    assert (pledge.minimum, pledge.unit) == (Decimal(2000), "万元")
    training = minimum(1, "nav_training")
    assert (training.minimum, training.unit) == (Decimal(150), "人次")
    assert minimum(2, "invention_growth").unit == "%"


def test_every_kpi_cites_the_clause_of_the_guide():
    for kpi in KPITemplate.objects.select_related("category"):
        assert kpi.source.startswith(f"{GUIDE} 第{kpi.category.code}类 项目目标"), kpi.source


def test_every_rubric_sums_to_100_and_says_it_is_the_portal_default():
    for category in Category.objects.prefetch_related("criteria"):
        criteria = list(category.criteria.all())
        assert sum(c.weight for c in criteria) == 100, category.code
        assert len({c.code for c in criteria}) == len(criteria)
        assert all(c.source == seeds.DEFAULT_RUBRIC_SOURCE for c in criteria)


def test_eligibility_rules_and_sub_types_follow_the_guide():
    by_code = {c.code: c for c in Category.objects.all()}
    assert by_code[3].eligible_kinds == ["enterprise"]
    assert by_code[3].rules == [
        {"rule": "qualification", "kind": "listing_reserve", "year": 2023},
        {"rule": "patent_count", "kinds": ["invention", "utility_model"], "minimum": 10},
    ]
    assert by_code[2].rules == [{"rule": "no_unaccepted_project", "category": 2}]
    assert by_code[6].rules == [{"rule": "county_region"}]
    assert by_code[5].rules == [{"rule": "subtype"}]
    assert by_code[5].subtypes == ["产业规划类", "区域规划类", "人才管理类", "研发活动类"]
    assert by_code[5].period_months == 6
    assert (by_code[5].amount_min, by_code[5].amount_max) == (10 * f.WAN, 30 * f.WAN)
    assert all(not by_code[code].subtypes for code in (1, 2, 3, 4, 6))
    assert by_code[1].rules == by_code[4].rules == []


def test_seeding_again_creates_nothing():
    counts = (
        Category.objects.count(),
        KPITemplate.objects.count(),
        RubricCriterion.objects.count(),
    )
    assert seeds.seed() == 0
    assert seeds.seed() == 0
    assert (
        (
            Category.objects.count(),
            KPITemplate.objects.count(),
            RubricCriterion.objects.count(),
        )
        == counts
        == (6, 31, 30)
    )


def test_seeding_restores_a_missing_category_only():
    Category.objects.get(code=4).delete()
    assert seeds.seed() == 1
    restored = Category.objects.get(code=4)
    assert restored.kpis.count() == 4
    assert restored.criteria.count() == len(seeds.DEFAULT_RUBRIC)
    assert seeds.seed() == 0


def test_seeding_never_overwrites_a_category_the_bureau_edited():
    reviewer = f.reviewer()
    category = Category.objects.get(code=1)
    kpis = [
        {
            "code": kpi.code,
            "name": kpi.name,
            "unit": kpi.unit,
            "comparator": kpi.comparator,
            "minimum": kpi.minimum if kpi.code != "nav_training" else Decimal(200),
            "source": kpi.source,
        }
        for kpi in category.kpis.all()
    ]
    criteria = [
        {"code": "all", "name": "综合评价", "guidance": "", "weight": 100, "source": "2026年细则"}
    ]
    services.category_update(
        actor=reviewer,
        category=category,
        data={"name": "重点产业知识产权运营中心（2026）"},
        kpis=kpis,
        criteria=criteria,
    )

    assert seeds.seed() == 0

    category.refresh_from_db()
    assert category.name == "重点产业知识产权运营中心（2026）"
    assert category.version == 2
    assert category.kpis.get(code="nav_training").minimum == 200
    assert list(category.criteria.values_list("code", "weight")) == [("all", 100)]
