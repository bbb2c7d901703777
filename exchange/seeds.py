"""The mappings the portal starts with, one per published layout; a reviewer edits them in the
UI (a change makes the next version). Seeded by migration, only missing codes are created."""

from typing import Any

from patents.models import INTENSIVE_INDUSTRIES

CREDIT = {"header": "统一社会信用代码", "field": "credit_code", "type": "credit_code",
          "required": True}  # fmt: skip
NAME = {"header": "企业名称", "field": "name", "type": "text"}

MAPPINGS: dict[str, dict[str, Any]] = {
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
    "pledge-registrations": {
        "name": "专利权质押登记信息（国家知识产权质押信息平台格式）",
        "direction": "import", "target": "pledges",
        "columns": [
            {"header": "质押登记号", "field": "registration_number", "type": "text",
             "required": True},
            {"header": "专利号", "field": "patent_numbers", "type": "patent_number",
             "required": True, "transform": "list"},
            {"header": "出质人", "field": "pledgor", "type": "text"},
            {"header": "出质人统一社会信用代码", "field": "pledgor_credit_code",
             "type": "credit_code"},
            {"header": "质权人", "field": "pledgee", "type": "text", "required": True},
            {"header": "融资金额（万元）", "field": "amount", "type": "decimal", "required": True,
             "transform": "wan_to_yuan"},
            {"header": "质押登记日", "field": "starts_on", "type": "date", "required": True},
            {"header": "质押期限届满日", "field": "ends_on", "type": "date", "required": True},
        ],
        "source": "国办 专利转化运用专项行动方案 (九)；国家知识产权质押信息平台登记信息，"
                  "一项质押登记可含多件专利（以;分隔）",
    },
    "contract-registrations": {
        "name": "技术合同登记信息（涉及专利）",
        "direction": "import", "target": "contracts",
        "columns": [
            {"header": "合同登记号", "field": "registration_number", "type": "text",
             "required": True},
            {"header": "合同类型", "field": "contract_kind", "type": "choice", "required": True,
             "choices": {"技术开发": "development", "技术转让": "transfer",
                         "技术许可": "licence", "技术咨询": "consulting",
                         "技术服务": "service"}},
            {"header": "专利号", "field": "patent_numbers", "type": "patent_number",
             "required": True, "transform": "list"},
            {"header": "买方名称", "field": "buyer", "type": "text", "required": True},
            {"header": "买方统一社会信用代码", "field": "buyer_credit_code",
             "type": "credit_code"},
            {"header": "成交额（万元）", "field": "amount", "type": "decimal", "required": True,
             "transform": "wan_to_yuan"},
            {"header": "登记日期", "field": "starts_on", "type": "date", "required": True},
        ],
        "source": "陕政办发〔2024〕11号 (十)：技术合同登记与专利转让许可备案数据共享",
    },
    "product-filings": {
        "name": "专利密集型产品备案信息",
        "direction": "import", "target": "product_filings",
        "columns": [
            {"header": "备案号", "field": "registration_number", "type": "text",
             "required": True},
            {"header": "产品名称", "field": "product", "type": "text", "required": True},
            {"header": "涉及专利号", "field": "patent_numbers", "type": "patent_number",
             "required": True, "transform": "list"},
            {"header": "备案主体", "field": "holder", "type": "text", "required": True},
            {"header": "备案主体统一社会信用代码", "field": "holder_credit_code",
             "type": "credit_code"},
            {"header": "所在地区代码", "field": "region_code", "type": "region_code"},
            {"header": "年销售额（万元）", "field": "sales", "type": "decimal",
             "transform": "wan_to_yuan"},
            {"header": "备案日期", "field": "starts_on", "type": "date", "required": True},
        ],
        "source": "陕政办发〔2024〕11号 (六)；国家专利密集型产品备案认定试点平台",
    },
    "stock-patent-registration": {
        "name": "存量专利登记批次（国家知识产权运营公共服务平台）",
        "direction": "export", "target": "registration_batch",
        "columns": [
            {"header": "申请号", "field": "number", "type": "patent_number", "required": True},
            {"header": "专利名称", "field": "title", "type": "text", "required": True},
            {"header": "专利类型", "field": "kind", "type": "choice",
             "choices": {"发明": "invention", "实用新型": "utility_model",
                         "外观设计": "design"}},
            {"header": "专利权人", "field": "owner", "type": "text"},
            {"header": "专利权人统一社会信用代码", "field": "owner_credit_code",
             "type": "credit_code"},
            {"header": "IPC分类号", "field": "ipc", "type": "text"},
            {"header": "分级", "field": "tier", "type": "choice",
             "choices": {"A": "A", "B": "B", "C": "C"}},
            {"header": "产业领域", "field": "industry", "type": "choice",
             "choices": {label: code for code, label in INTENSIVE_INDUSTRIES}},
            {"header": "盘点日期", "field": "screened_on", "type": "date"},
        ],
        "source": "国办 专利转化运用专项行动方案 (一)；陕政办发〔2024〕11号 (一)：存量专利盘点后"
                  "登记入国家知识产权运营公共服务平台",
    },
    "transfer-licence-records": {
        "name": "专利转让许可记录（与技术合同登记比对）",
        "direction": "export", "target": "transfer_licence_records",
        "columns": [
            {"header": "申请号", "field": "number", "type": "patent_number", "required": True},
            {"header": "专利名称", "field": "title", "type": "text"},
            {"header": "专利权人", "field": "owner", "type": "text"},
            {"header": "事件", "field": "event", "type": "choice", "required": True,
             "choices": {"转让": "transfer", "许可": "licence"}},
            {"header": "许可类型", "field": "licence_kind", "type": "choice",
             "choices": {"独占许可": "exclusive", "排他许可": "sole", "普通许可": "ordinary"}},
            {"header": "受让方/被许可方", "field": "party", "type": "text"},
            {"header": "受让方统一社会信用代码", "field": "party_credit_code",
             "type": "credit_code"},
            {"header": "金额（万元）", "field": "amount", "type": "decimal",
             "transform": "wan_to_yuan"},
            {"header": "日期", "field": "starts_on", "type": "date"},
            {"header": "期限届满", "field": "ends_on", "type": "date"},
        ],
        "source": "陕政办发〔2024〕11号 (十)：2024年底前技术合同登记与专利转让许可数据共享",
    },
    "classified-statistics": {
        "name": "专利转化运用分类统计（报国家）",
        "direction": "export", "target": "classified_statistics",
        "columns": [
            {"header": "地区代码", "field": "region_code", "type": "region_code",
             "required": True},
            {"header": "地区", "field": "region", "type": "text"},
            {"header": "指标代码", "field": "element_code", "type": "text", "required": True},
            {"header": "指标名称", "field": "element", "type": "text"},
            {"header": "单位", "field": "unit", "type": "text"},
            {"header": "数值", "field": "value", "type": "decimal", "required": True},
            {"header": "期间", "field": "period", "type": "text", "required": True},
        ],
        "source": "陕政办发〔2024〕11号 (十五)：定期分类统计，报国家知识产权局",
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
