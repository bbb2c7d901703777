"""The mappings the portal starts with, one per published layout; a reviewer edits them in the
UI (a change makes the next version). Seeded by migration, only missing codes are created."""

CREDIT = {"header": "统一社会信用代码", "field": "credit_code", "type": "credit_code",
          "required": True}  # fmt: skip
NAME = {"header": "企业名称", "field": "name", "type": "text"}

MAPPINGS = {
    "zjtx-provincial": {
        "name": "陕西省专精特新中小企业名单（省工信厅公布格式）",
        "direction": "import", "target": "qualifications",
        "params": {"kind": "specialised_provincial",
                   "source": "陕西省工业和信息化厅 省级专精特新中小企业名单"},
        "columns": [NAME, CREDIT,
                    {"header": "认定年度", "field": "year", "type": "integer", "required": True},
                    {"header": "认定日期", "field": "recognised_on", "type": "date"},
                    {"header": "有效期至", "field": "valid_until", "type": "date"}],
        "source": "省工信厅每批公布的名单：序号、企业名称、统一社会信用代码、所在市、认定年度",
    },
    "little-giant-national": {
        "name": "国家级专精特新“小巨人”企业名单（工信部公布格式）",
        "direction": "import", "target": "qualifications",
        "params": {"kind": "little_giant", "source": "工业和信息化部 专精特新“小巨人”企业名单"},
        "columns": [NAME, CREDIT,
                    {"header": "批次年度", "field": "year", "type": "integer", "required": True},
                    {"header": "批次", "field": "source", "type": "text"}],
        "source": "工信部按批次公布：序号、省份、企业名称、统一社会信用代码、批次",
    },
    "listing-reserve": {
        "name": "陕西省重点上市后备企业名单",
        "direction": "import", "target": "qualifications",
        "params": {"kind": "listing_reserve", "source": "省委金融办 重点上市后备企业名单"},
        "columns": [NAME, CREDIT,
                    {"header": "入库年度", "field": "year", "type": "integer", "required": True}],
        "source": "陕政办发〔2024〕11号 (四)",
    },
    "high-tech": {
        "name": "高新技术企业认定名单",
        "direction": "import", "target": "qualifications",
        "params": {"kind": "high_tech", "source": "高新技术企业认定管理机构公示名单"},
        "columns": [NAME, CREDIT,
                    {"header": "认定年度", "field": "year", "type": "integer", "required": True},
                    {"header": "发证日期", "field": "recognised_on", "type": "date"},
                    {"header": "有效期至", "field": "valid_until", "type": "date"}],
        "source": "高新技术企业认定管理工作网公示格式",
    },
}  # fmt: skip


def seed_mappings(Mapping) -> int:
    created = 0
    for code, fields in MAPPINGS.items():
        if Mapping.objects.filter(code=code).exists():
            continue
        Mapping.objects.create(code=code, version=1, **fields)
        created += 1
    return created
