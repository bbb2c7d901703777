"""Reference data the portal cannot work without, seeded by migration and re-applied by
`load_demo` (idempotent: rows are matched by code and updated in place).

Region codes: GB/T 2260 (DOMAIN.md §8).
"""

from typing import Any

GBT = "GB/T 2260"
INTERNAL = "内部编码：无 GB/T 2260 代码，单独向省报送 (DOMAIN.md §8)"

# (code, name, level, parent code, internal code?, source)
REGIONS = [
    ("610000", "陕西省", "province", None, False, GBT),
    ("610100", "西安市", "city", "610000", False, GBT),
    ("610200", "铜川市", "city", "610000", False, GBT),
    ("610300", "宝鸡市", "city", "610000", False, GBT),
    ("610400", "咸阳市", "city", "610000", False, GBT),
    ("610500", "渭南市", "city", "610000", False, GBT),
    ("610600", "延安市", "city", "610000", False, GBT),
    ("610700", "汉中市", "city", "610000", False, GBT),
    ("610800", "榆林市", "city", "610000", False, GBT),
    ("610900", "安康市", "city", "610000", False, GBT),
    ("611000", "商洛市", "city", "610000", False, GBT),
    ("61YL00", "杨凌示范区", "city", "610000", True, INTERNAL),
    ("61XX00", "西咸新区", "city", "610000", True, INTERNAL),
    ("610902", "汉滨区", "county", "610900", False, GBT),
    ("610921", "汉阴县", "county", "610900", False, GBT),
    ("610922", "石泉县", "county", "610900", False, GBT),
    ("610923", "宁陕县", "county", "610900", False, GBT),
    ("610924", "紫阳县", "county", "610900", False, GBT),
    ("610925", "岚皋县", "county", "610900", False, GBT),
    ("610926", "平利县", "county", "610900", False, GBT),
    ("610927", "镇坪县", "county", "610900", False, GBT),
    ("610929", "白河县", "county", "610900", False, GBT),
    ("610981", "旬阳市", "county", "610900", False, GBT),
]

ALIASES = [("610928", "610981", "旬阳县撤县设市为旬阳市，旧代码导入时映射为新代码 (DOMAIN.md §8)")]


def seed_regions(region_model, alias_model) -> None:
    """Create or update the seeded regions. Takes the models so a migration can pass its
    historical ones."""
    by_code: dict[str | None, Any] = {}  # code → region; no parent code: None
    for code, name, level, parent_code, internal, source in REGIONS:
        parent = by_code.get(parent_code)
        region, _ = region_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent": parent,
                # Historical models have no custom save(): set the derived path here too.
                "path": f"{parent.path if parent else ''}{code}/",
                "is_internal_code": internal,
                "source": source,
            },
        )
        by_code[code] = region
    for old, new, note in ALIASES:
        alias_model.objects.update_or_create(
            code=old, defaults={"region": by_code[new], "note": note}
        )
