"""Pledge, technology-contract and product-filing lists as the national platforms publish them:
matched to the pool by application number and to organisations by credit code only, problems by
cell, a dry run that stores nothing, all or nothing, idempotent re-imports, round trips, and the
pledge-financing indicator moving after an import."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import Workbook

from exchange import services
from exchange.models import Mapping
from patents.models import Conversion, Patent
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory, credit_code
from portal.identifiers import patent_check_character
from portal.models import AuditEntry, Organisation, Region, Role
from reporting.models import IndicatorValue, ReturnForm, StatReturn

pytestmark = pytest.mark.django_db

PLEDGE_HEADERS = ["序号", "质押登记号", "专利号", "出质人", "出质人统一社会信用代码", "质权人",
                  "融资金额（万元）", "质押登记日", "质押期限届满日"]  # fmt: skip
CONTRACT_HEADERS = ["合同登记号", "合同类型", "专利号", "买方名称", "买方统一社会信用代码",
                    "成交额（万元）", "登记日期"]  # fmt: skip
FILING_HEADERS = ["备案号", "产品名称", "涉及专利号", "备案主体", "备案主体统一社会信用代码",
                  "所在地区代码", "年销售额（万元）", "备案日期"]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


code = credit_code  # a credit code with its check character


def number(serial: int) -> str:
    digits = f"20211{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


def wrong(value: str) -> str:
    return value[:-1] + ("1" if value[-1] != "1" else "2")


def workbook(headers: list[str], rows: list[list], title: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def university(db):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            name="陕西示范大学",
            kind=Organisation.Kind.UNIVERSITY,
            region=Region.objects.get(code="610100"),
            credit_code=code("12610000MB2958461"),
        )
    )


@pytest.fixture
def enterprise(db):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            name="旬阳示范科技有限公司",
            region=Region.objects.get(code="610981"),
            credit_code=code("91610981MA6YQ5678"),
        )
    )


@pytest.fixture
def pool(university):
    values = {"kind": Patent.Kind.INVENTION, "status": Patent.Status.VALID,
              "filed_on": date(2021, 3, 1), "granted_on": date(2023, 6, 2),
              "owner": university.organisation}  # fmt: skip
    return [
        Patent.objects.create(number=number(serial), title=f"专利{serial}", **values)
        for serial in (1, 2, 3)
    ]


def mapping(code_: str) -> Mapping:
    return Mapping.objects.get(code=code_, is_active=True)


def check(actor, code_: str, content: bytes, name: str = "list.xlsx"):
    return services.import_check(
        actor=actor, mapping=mapping(code_), handle=io.BytesIO(content), name=name,
        size=len(content),
    )  # fmt: skip


def imported(actor, code_: str, content: bytes, name: str = "list.xlsx"):
    result = check(actor, code_, content, name)
    assert result.can_apply, [p.as_dict() for p in result.problems]
    return services.import_apply(actor=actor, run=result.run)


def approved(region_code: str, period: str, **values) -> StatReturn:
    """An approved return, so that the engine has quarters (reporting/tests/test_compute.py)."""
    return StatReturn.objects.create(
        form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code=region_code),
        period=period,
        status=StatReturn.Status.APPROVED,
        snapshot={c: {"value": str(v), "comment": ""} for c, v in values.items()},
    )


def indicator(code_: str, region: str, period: str) -> Decimal:
    return IndicatorValue.objects.get(
        indicator__code=code_, region__code=region, period=period
    ).value


def test_a_published_pledge_list_imports_and_moves_the_pledge_indicator(
    reviewer, university, pool, django_capture_on_commit_callbacks
):
    owner = university.organisation
    enterprise_patent = number(90)  # a valid number, but an enterprise's: not in the pool
    title = "2025年第一季度专利权质押登记信息"
    rows = [
        [1, "Y2025610000123", f"ZL{pool[0].number}；{pool[1].number}", owner.name,
         owner.credit_code.lower(), "西安银行", "1,234.5", "2025-02-01", "2026-01-31"],
        [2, "Y2025610000124", enterprise_patent, "某企业", code("91610100MA6TXX999"),
         "长安银行", 300, "2025-02-03", "2026-02-02"],
        [3, "Y2025610000125", wrong(pool[2].number), owner.name, owner.credit_code,
         "西安银行", 50, "2025-02-05", "2026-02-04"],
    ]  # fmt: skip
    result = check(reviewer, "pledge-registrations", workbook(PLEDGE_HEADERS, rows, title))
    cells = {p.cell: p for p in result.problems}
    # Row 1 is the title, row 2 the headers: the pledges are rows 3, 4 and 5.
    assert cells["C5"].is_blocking and "check character" in cells["C5"].message
    assert not cells["C4"].is_blocking and enterprise_patent in cells["C4"].message
    assert not result.can_apply
    with pytest.raises(ValidationError) as error:
        services.import_apply(actor=reviewer, run=result.run)
    assert "C5" in error.value.messages[0]
    assert not Conversion.objects.exists()  # all or nothing

    fixed = workbook(PLEDGE_HEADERS, rows[:2], title)
    result = check(reviewer, "pledge-registrations", fixed)
    assert result.can_apply
    assert (result.plan.created, result.plan.skipped) == (2, 1)
    assert not Conversion.objects.exists()  # the dry run stores nothing
    approved("610100", "2025Q1", VALID_INVENTION=1)
    approved("610100", "2025Q2", VALID_INVENTION=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.import_apply(actor=reviewer, run=result.run)
    first, second = Conversion.objects.order_by("pk")
    assert (first.patent, second.patent) == (pool[0], pool[1])
    assert first.kind == "pledge" and first.registration_number == "Y2025610000123"
    # 1,234.5 万元, with its thousands separator, is 12,345,000.00 yuan: on the first patent.
    assert first.amount == Decimal("12345000.00") and second.amount is None
    assert "Y2025610000123" in second.note and pool[0].number in second.note
    assert first.note == "导入：" + mapping("pledge-registrations").name
    assert (first.counterparty_name, first.ends_on) == ("西安银行", date(2026, 1, 31))
    assert first.recorded_by == reviewer and first.counterparty is None
    assert AuditEntry.objects.filter(event="patent.conversion.import.pledge").count() == 2
    # The pledge-financing indicator recomputed after commit, at the owner's city and above.
    assert indicator("POOL_PLEDGE_AMOUNT", "610100", "2025Q1") == Decimal("1234.5")
    assert indicator("POOL_PLEDGE_AMOUNT", "610000", "2025Q2") == Decimal("1234.5")

    # The same list again changes nothing.
    again = check(reviewer, "pledge-registrations", fixed)
    assert again.plan.unchanged == 2 and not again.plan.created and not again.can_apply
    # A corrected loan updates the event, never duplicates it.
    rows[0][6] = "1,500"
    with django_capture_on_commit_callbacks(execute=True):
        result = imported(reviewer, "pledge-registrations", workbook(PLEDGE_HEADERS, rows[:2]))
    assert (result.plan.updated, result.plan.unchanged) == (1, 1)
    assert Conversion.objects.count() == 2
    first.refresh_from_db()
    assert first.amount == Decimal("15000000.00")
    assert AuditEntry.objects.filter(event="patent.conversion.import.pledge.update").count() == 1
    assert indicator("POOL_PLEDGE_AMOUNT", "610100", "2025Q1") == Decimal(1500)


def test_a_pledgor_other_than_the_owner_and_bad_values_are_told_by_cell(reviewer, pool):
    other = code("91610100MA6TXX998")
    rows = [
        ["Y1", pool[0].number, "别的公司", other, "西安银行", 100, "2025-02-01", "2026-01-31"],
        ["Y2", pool[1].number, "", "", "西安银行", 0, "2025-02-01", "2026-01-31"],
        ["Y3", pool[2].number, "", "", "西安银行", 10, "2025-02-01", "2024-01-31"],
        ["Y4", pool[2].number, "", wrong(other), "西安银行", "1.234,5", "2025-02-01", ""],
    ]  # fmt: skip
    result = check(reviewer, "pledge-registrations", workbook(PLEDGE_HEADERS[1:], rows))
    cells = {p.cell: p for p in result.problems}
    assert not cells["D2"].is_blocking and "not the owner" in cells["D2"].message
    assert cells["F3"].is_blocking and "more than zero" in cells["F3"].message
    assert cells["H4"].is_blocking and "ends before it starts" in cells["H4"].message
    assert cells["D5"].is_blocking  # the wrong check character of the pledgor's code
    assert cells["F5"].is_blocking and "ambiguous" in cells["F5"].message  # 1.234,5
    assert cells["H5"].is_blocking  # the term is required by the mapping
    assert result.plan.created == 1  # only Y1 would be stored


def test_contracts_match_buyers_by_credit_code_only_and_convert_the_patents(
    reviewer, university, enterprise, pool
):
    unknown = code("91610100MA6TXX999")
    rows = [
        ["2025610100000101", "技术转让", pool[0].number, "旬阳示范科技（简称）",
         enterprise.organisation.credit_code, "80", "2025-04-01"],
        ["2025610100000102", "技术许可", pool[1].number, enterprise.organisation.name, unknown,
         "12.5", "2025-04-02"],
        ["2025610100000103", "技术买卖", pool[2].number, "某公司", "", "1", "2025-04-03"],
        ["2025610100000104", "技术开发", pool[2].number, university.organisation.name,
         university.organisation.credit_code, "2,000", "2025-04-04"],
    ]  # fmt: skip
    result = check(reviewer, "contract-registrations", workbook(CONTRACT_HEADERS, rows))
    cells = {p.cell: p for p in result.problems}
    assert not cells["E3"].is_blocking and unknown in cells["E3"].message  # never by name
    assert cells["B4"].is_blocking and "技术开发" in cells["B4"].message
    assert not cells["E5"].is_blocking and "not an enterprise" in cells["E5"].message
    assert not result.can_apply
    result = imported(reviewer, "contract-registrations",
                      workbook(CONTRACT_HEADERS, [rows[0], rows[1], rows[3]]))  # fmt: skip
    assert result.plan.created == 3
    by_number = {e.registration_number: e for e in Conversion.objects.all()}
    matched = by_number["2025610100000101"]
    assert matched.counterparty == enterprise.organisation
    assert matched.counterparty_name == "旬阳示范科技（简称）"  # as written
    assert (matched.contract_kind, matched.amount) == ("transfer", Decimal("800000.00"))
    named = by_number["2025610100000102"]
    # The name matches a portal enterprise, but the code does not: not guessed.
    assert named.counterparty is None and named.counterparty_name == enterprise.organisation.name
    assert by_number["2025610100000104"].counterparty is None
    assert by_number["2025610100000104"].amount == Decimal("20000000.00")
    # A registered contract marks its patents converted: they leave the unconverted pool.
    assert Patent.objects.filter(converted=True).count() == 3
    assert AuditEntry.objects.filter(event="patent.conversion.import.contract").count() == 3


def test_product_filings_check_the_region_and_read_former_codes(reviewer, enterprise, pool):
    holder = enterprise.organisation
    rows = [
        # 610928 is 旬阳县's former code: read as 旬阳市 610981, the holder's region.
        ["BA2025001", "富硒茶多酚提取设备", f"{pool[0].number};{pool[1].number}", holder.name,
         holder.credit_code, "610928", "1,234.5", "2025-05-06"],
        ["BA2025002", "高熵合金涂层刀具", pool[2].number, holder.name, holder.credit_code,
         "610100", 10, "2025-05-07"],
        ["BA2025003", "钛合金骨钉", pool[2].number, "外省某公司", "", "610928", "", "2025-05-08"],
        ["BA2025004", "某产品", pool[2].number, "某公司", "", "999999", "", "2025-05-09"],
    ]  # fmt: skip
    result = check(reviewer, "product-filings", workbook(FILING_HEADERS, rows))
    cells = {p.cell: p for p in result.problems}
    assert set(cells) == {"F3", "F5"}
    assert not cells["F3"].is_blocking and "旬阳市" in cells["F3"].message
    assert cells["F5"].is_blocking and "999999" in cells["F5"].message
    result = imported(reviewer, "product-filings", workbook(FILING_HEADERS, rows[:3]))
    assert result.plan.created == 4
    first = Conversion.objects.get(registration_number="BA2025001", patent=pool[0])
    assert (first.product, first.sales) == ("富硒茶多酚提取设备", Decimal("12345000.00"))
    assert first.counterparty == holder and first.amount is None
    assert Conversion.objects.get(registration_number="BA2025001", patent=pool[1]).sales is None
    unknown = Conversion.objects.get(registration_number="BA2025003")
    assert unknown.counterparty is None and "所在地区代码 610981" in unknown.note
    # A product filing does not convert a patent.
    assert not Patent.objects.filter(converted=True).exists()


@pytest.mark.parametrize(
    ("code_", "headers", "rows"),
    [
        ("pledge-registrations", PLEDGE_HEADERS[1:], [
            ["Y2025001", "{p0};{p1}", "{owner}", "{owner_code}", "西安银行", "1,234.5",
             "2025-02-01", "2026-01-31"],
            ["Y2025002", "{p2}", "{owner}", "{owner_code}", "长安银行", 88, "2025-03-01",
             "2026-02-28"],
        ]),
        ("contract-registrations", CONTRACT_HEADERS, [
            ["C2025001", "技术转让", "{p0}", "{enterprise}", "{enterprise_code}", "80.25",
             "2025-04-01"],
            ["C2025002", "技术服务", "{p1};{p2}", "外省某公司", "", "3", "2025-04-02"],
        ]),
        ("product-filings", FILING_HEADERS, [
            ["BA2025001", "富硒茶多酚提取设备", "{p0}", "{enterprise}", "{enterprise_code}",
             "610928", "1,234.5", "2025-05-06"],
            ["BA2025002", "钛合金骨钉", "{p1};{p2}", "外省某公司", "", "610928", "", "2025-05-08"],
        ]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_each_import_mapping_round_trips(reviewer, university, enterprise, pool, code_, headers,
                                         rows, fmt):  # fmt: skip
    """Imported, exported, imported again: the same records, nothing created or changed."""
    names = {f"p{i}": p.number for i, p in enumerate(pool)} | {
        "owner": university.organisation.name,
        "owner_code": university.organisation.credit_code,
        "enterprise": enterprise.organisation.name,
        "enterprise_code": enterprise.organisation.credit_code,
    }
    filled = [[c.format(**names) if isinstance(c, str) else c for c in row]
              for row in rows]  # fmt: skip
    imported(reviewer, code_, workbook(headers, filled))
    before = list(Conversion.objects.order_by("pk").values())
    assert len(before) == 3
    content, name, count = services.export(actor=reviewer, mapping=mapping(code_), fmt=fmt)
    assert count == 2 and name.endswith(f".{fmt}")
    again = check(reviewer, code_, content, name)
    assert not again.problems, [p.as_dict() for p in again.problems]
    assert (again.plan.created, again.plan.updated, again.plan.unchanged) == (0, 0, 3)
    assert list(Conversion.objects.order_by("pk").values()) == before


def test_only_reviewers_import_registrations(university, pool):
    content = workbook(PLEDGE_HEADERS[1:], [])
    with pytest.raises(PermissionDenied, match=r"exchange\.run"):
        check(university, "pledge-registrations", content)


# Every write through the owning service (issue 17) ---------------------------------------------


def _pledge_by_hand(university, patent, **extra):
    from patents import services as patent_services

    return patent_services.conversion_record(
        actor=university, patent=patent, kind=Conversion.Kind.PLEDGE,
        data={"counterparty_name": "西安银行", "amount": Decimal("12345000"),
              "starts_on": date(2025, 2, 1), "ends_on": date(2026, 1, 31),
              "note": "据质押合同录入", **extra},
    )  # fmt: skip


def test_the_same_event_entered_twice_by_hand_is_refused(university, pool):
    _pledge_by_hand(university, pool[0])
    with pytest.raises(ValidationError) as refused:
        _pledge_by_hand(university, pool[0])
    assert refused.value.code == "duplicate"
    assert "already recorded" in refused.value.messages[0]
    assert Conversion.objects.count() == 1


def test_a_pledge_entered_by_hand_then_registered_is_recorded_once(reviewer, university, pool):
    entered = _pledge_by_hand(university, pool[0])
    owner = university.organisation
    rows = [[1, "Y2025610000777", pool[0].number, owner.name, owner.credit_code, "西安银行",
             "1,234.5", "2025-02-01", "2026-01-31"]]  # fmt: skip
    content = workbook(PLEDGE_HEADERS, rows)
    result = check(reviewer, "pledge-registrations", content)
    merged = [p for p in result.problems if p.code == "merged"]
    assert len(merged) == 1 and not merged[0].is_blocking and merged[0].cell == "B2"
    assert (result.plan.created, result.plan.updated) == (0, 1)
    services.import_apply(actor=reviewer, run=result.run)
    event = Conversion.objects.get()
    assert event.pk == entered.pk and event.registration_number == "Y2025610000777"
    assert event.note == "据质押合同录入"  # the hand-written note is kept
    assert event.recorded_by == university  # who recorded the fact first
    imports = AuditEntry.objects.filter(event__startswith="patent.conversion.import")
    assert list(imports.values_list("event", flat=True)) == [
        "patent.conversion.import.pledge.update"
    ]


def test_an_import_writes_one_entry_per_record_and_one_for_the_run(reviewer, university, pool):
    owner = university.organisation
    rows = [
        [n, f"Y20256100009{n}", pool[n].number, owner.name, owner.credit_code, "长安银行", 100,
         "2025-03-01", "2026-02-28"]
        for n in (0, 1, 2)
    ]  # fmt: skip
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = imported(reviewer, "pledge-registrations", workbook(PLEDGE_HEADERS, rows))
    written = list(
        AuditEntry.objects.filter(pk__gt=before)
        .exclude(event="exchange.import.check")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    # The records' entries are appended together when the run ends, then the run's summary.
    assert written == ["patent.conversion.import.pledge"] * 3 + ["exchange.import.apply"]
    run = result.run
    run.refresh_from_db()
    assert run.status == run.Status.APPLIED and run.summary["created"] == 3


def test_an_import_is_refused_by_the_services_rules_and_stores_nothing(
    reviewer, university, pool, monkeypatch
):
    """A row the service refuses (here: its rules say the pledge finances nothing) names the
    registration and patent, and nothing of the run is stored."""
    from patents.services import conversions

    owner = university.organisation
    rows = [
        [n, f"Y20256100008{n}", pool[n].number, owner.name, owner.credit_code, "长安银行", 100,
         "2025-03-01", "2026-02-28"]
        for n in (0, 1)
    ]  # fmt: skip
    result = check(reviewer, "pledge-registrations", workbook(PLEDGE_HEADERS, rows))
    original = conversions._shape_errors

    def refuse_second(patent, kind, values, *, registry):
        if patent.pk == pool[1].pk:
            return {"kind": "refused by the rule under test"}
        return original(patent, kind, values, registry=registry)

    monkeypatch.setattr(conversions, "_shape_errors", refuse_second)
    with pytest.raises(ValidationError) as refused:
        services.import_apply(actor=reviewer, run=result.run)
    assert "Y202561000081" in refused.value.messages[0]
    assert pool[1].number in refused.value.messages[0]
    assert not Conversion.objects.exists()
    assert not AuditEntry.objects.filter(event__startswith="patent.conversion").exists()
