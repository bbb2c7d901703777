"""Exports to the national platforms: the stock-patent registration batch (a university exports
only its own pool), transfer and licence records, and the classified statistics report (the
approved values of one period). Each reads back through its own mapping to the same rows."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from exchange import files, services
from exchange.factories import mapping
from exchange.models import Mapping, Run
from exchange.targets import TARGETS
from patents.factories import PatentFactory
from patents.models import Conversion, Patent
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
)
from portal.models import Organisation, Region, Role
from reporting.factories import StatReturnFactory
from reporting.models import StatReturn

pytestmark = pytest.mark.django_db
SCREENED = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


def pool_owner(region: str = "610100"):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code=region)
        )
    )


@pytest.fixture
def university(db):
    return pool_owner()


@pytest.fixture
def institute(db):
    return pool_owner("610400")


def patent(owner, serial: int, **fields) -> Patent:
    values = {
        "title": f"一种高熵合金涂层的制备方法{serial}",
        "filed_on": date(2021, 3, 1),
        "granted_on": date(2023, 6, 2),
        "ipc": "C23C24/10;C22C30/00",
        "screened_at": SCREENED,
        "tier": "A",
        "industry": "04",
    }
    return PatentFactory(owner=owner, serial=serial, **(values | fields))


def exported(actor, code: str, params: dict | None = None, fmt: str = "xlsx"):
    """The rows of an export read back through its own mapping (without their cells)."""
    content, name, _count = services.export(
        actor=actor, mapping=mapping(code), params=params, fmt=fmt
    )
    parsed = files.read_file(
        io.BytesIO(content), name=name, size=len(content), max_bytes=10**7, mapping=mapping(code)
    )
    assert not parsed.problems, [p.as_dict() for p in parsed.problems]
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in parsed.rows]


def target_rows(actor, code: str, params: dict | None = None) -> list[dict]:
    return list(TARGETS[mapping(code).target].rows(actor, params or {}))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_registration_batch_holds_screened_unconverted_valid_patents(
    reviewer, university, institute, fmt
):
    mine = patent(university.organisation, 1, ipc="", tier="B", industry="")
    patent(university.organisation, 2, screened_at=None, tier="", industry="")  # not screened
    patent(university.organisation, 3, converted=True)
    patent(university.organisation, 4, status=Patent.Status.LAPSED)
    theirs = patent(institute.organisation, 5, kind=Patent.Kind.UTILITY_MODEL)

    rows = exported(reviewer, "stock-patent-registration", fmt=fmt)
    assert [r["number"] for r in rows] == sorted(
        [mine.number, theirs.number],
        key=lambda n: Patent.objects.get(number=n).owner.credit_code,
    )
    assert rows == target_rows(reviewer, "stock-patent-registration")  # the round trip
    row = next(r for r in rows if r["number"] == theirs.number)
    assert row == {
        "number": theirs.number, "title": theirs.title, "kind": "utility_model",
        "owner": institute.organisation.name,
        "owner_credit_code": institute.organisation.credit_code,
        "ipc": "C23C24/10;C22C30/00", "tier": "A", "industry": "04",
        "screened_on": date(2025, 3, 10),
    }  # fmt: skip
    # The platform's layout: Chinese headers, the type and the industry as labels.
    batch = mapping("stock-patent-registration")
    params = {"organisation": institute.organisation.pk}
    content, _name, _count = services.export(actor=reviewer, mapping=batch, params=params)
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("申请号", "专利名称", "专利类型")
    assert len(values) == 2 and values[1][2] == "实用新型" and values[1][7] == "新材料制造业"


def test_a_university_exports_only_its_own_registration_batch(reviewer, university, institute):
    mine = patent(university.organisation, 1)
    patent(institute.organisation, 2)
    for params in ({}, {"organisation": institute.organisation.pk}):
        rows = exported(university, "stock-patent-registration", params)
        assert [r["number"] for r in rows] == [mine.number]
    # A reviewer chooses the organisation.
    rows = exported(reviewer, "stock-patent-registration",
                    {"organisation": str(institute.organisation.pk)})  # fmt: skip
    assert [r["owner"] for r in rows] == [institute.organisation.name]
    with pytest.raises(ValidationError):
        exported(reviewer, "stock-patent-registration", {"organisation": "x"})
    # Nobody else exports a batch: an enterprise, a city agency, an unverified university.
    unverified = pool_owner()
    unverified.organisation.status = Organisation.Status.PENDING
    unverified.organisation.save()
    for outsider in (ApplicantFactory(), CityAgencyFactory(), unverified):
        with pytest.raises(PermissionDenied, match=r"exchange\.batch"):
            services.export(actor=outsider, mapping=mapping("stock-patent-registration"))
    # The other exports stay the bureau's.
    with pytest.raises(PermissionDenied, match=r"exchange\.run"):
        services.export(actor=university, mapping=mapping("transfer-licence-records"))
    assert Run.objects.filter(mapping__code="stock-patent-registration").count() == 3


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_transfer_and_licence_records_for_matching_contract_registrations(
    reviewer, university, fmt
):
    licensee = OrganisationFactory(name="陕西某科技有限公司")
    first, second = patent(university.organisation, 1), patent(university.organisation, 2)

    def event(p, kind, starts_on, **fields):
        return Conversion.objects.create(
            patent=p, kind=kind, starts_on=starts_on, recorded_by=university, **fields
        )

    event(first, "licence", date(2025, 3, 1), counterparty=licensee,
          counterparty_name=licensee.name, licence_kind="exclusive",
          amount=Decimal("1234500.00"), ends_on=date(2028, 2, 29))  # fmt: skip
    event(second, "transfer", date(2024, 11, 5), counterparty_name="外省某公司",
          amount=Decimal("800000"))  # fmt: skip
    event(second, "pledge", date(2025, 1, 5), counterparty_name="西安银行",
          amount=Decimal("5000000"), ends_on=date(2026, 1, 4))  # fmt: skip

    rows = exported(reviewer, "transfer-licence-records", fmt=fmt)
    assert rows == target_rows(reviewer, "transfer-licence-records")
    assert rows == [
        {"number": second.number, "title": second.title, "owner": university.organisation.name,
         "event": "transfer", "licence_kind": None, "party": "外省某公司",
         "party_credit_code": None, "amount": Decimal("800000.00"),
         "starts_on": date(2024, 11, 5), "ends_on": None},
        {"number": first.number, "title": first.title, "owner": university.organisation.name,
         "event": "licence", "licence_kind": "exclusive", "party": licensee.name,
         "party_credit_code": licensee.credit_code, "amount": Decimal("1234500.00"),
         "starts_on": date(2025, 3, 1), "ends_on": date(2028, 2, 29)},
    ]  # fmt: skip
    content, _name, _count = services.export(
        actor=reviewer, mapping=mapping("transfer-licence-records")
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[3]][3:8] == ["许可", "独占许可", licensee.name,
                                                licensee.credit_code, 123.45]  # fmt: skip
    since = exported(reviewer, "transfer-licence-records", {"since": "2025-01-01"}, fmt)
    assert [r["event"] for r in since] == ["licence"]
    until = exported(reviewer, "transfer-licence-records", {"until": date(2024, 12, 31)}, fmt)
    assert [r["event"] for r in until] == ["transfer"]
    with pytest.raises(ValidationError):
        exported(reviewer, "transfer-licence-records", {"since": "2025-13-01"})


def statistics_return(region: str, period: str, status: str, version: int = 1,
                      is_current: bool = True, **values) -> StatReturn:  # fmt: skip
    return StatReturnFactory(
        region=Region.objects.get(code=region), period=period, status=status, version=version,
        is_current=is_current, values=values if status == StatReturn.Status.APPROVED else None,
    )  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_classified_statistics_hold_the_approved_values_of_the_period(reviewer, fmt):
    approved, submitted = StatReturn.Status.APPROVED, StatReturn.Status.SUBMITTED
    statistics_return("610900", "2025Q1", approved, PLEDGE_AMOUNT="1234.5", VALID_INVENTION=300)
    statistics_return("610100", "2025Q1", approved, VALID_INVENTION=5000, PLEDGE_AMOUNT=0)
    statistics_return("610200", "2025Q1", submitted)  # not approved: not reported
    # 旬阳市: version 1 approved, a correction in progress (version 2) does not count yet.
    statistics_return("610981", "2025Q1", approved, is_current=False, VALID_INVENTION=12)
    statistics_return("610981", "2025Q1", StatReturn.Status.DRAFT, version=2)
    statistics_return("610100", "2024Q4", approved, VALID_INVENTION=4900)

    rows = exported(reviewer, "classified-statistics", {"period": "2025q1"}, fmt)
    assert rows == target_rows(reviewer, "classified-statistics", {"period": "2025Q1"})
    # Ordered by region code, then by the element's order on the form (有效发明专利 first).
    assert [(r["region_code"], r["element_code"]) for r in rows] == [
        ("610100", "VALID_INVENTION"), ("610100", "PLEDGE_AMOUNT"),
        ("610900", "VALID_INVENTION"), ("610900", "PLEDGE_AMOUNT"),
        ("610981", "VALID_INVENTION"),
    ]  # fmt: skip
    pledge = rows[3]
    assert pledge["value"] == Decimal("1234.5") and pledge["unit"] == "万元"
    assert (pledge["region"], pledge["period"]) == ("安康市", "2025Q1")
    assert rows[4]["value"] == 12
    # Without a period: the latest with an approved return.
    statistics_return("610100", "2025Q2", approved, VALID_INVENTION=5100)
    latest = exported(reviewer, "classified-statistics", fmt=fmt)
    assert [(r["region_code"], r["value"], r["period"]) for r in latest] == [
        ("610100", 5100, "2025Q2")
    ]
    with pytest.raises(ValidationError):
        exported(reviewer, "classified-statistics", {"period": "2025Q5"})


def test_a_former_region_code_in_a_returned_report_reads_as_todays(reviewer):
    """The mapping reads region codes through the former-code table: a report edited by hand
    with 旬阳县's 610928 reads back as 旬阳市 610981."""
    statistics_return("610981", "2025Q1", StatReturn.Status.APPROVED, VALID_INVENTION=12)
    content, name, _count = services.export(
        actor=reviewer, mapping=mapping("classified-statistics"), fmt="csv"
    )
    edited = content.decode("utf-8-sig").replace("610981", "610928").encode("gb18030")
    parsed = files.read_file(io.BytesIO(edited), name=name, size=len(edited), max_bytes=10**7,
                             mapping=mapping("classified-statistics"))  # fmt: skip
    assert not parsed.problems and parsed.rows[0]["region_code"] == "610981"


def test_every_seeded_mapping_fits_its_target():
    """The seeded mappings pass the editor's own check, so a reviewer can save them unchanged."""
    mappings = Mapping.objects.filter(is_active=True)
    assert {m.code for m in mappings} >= {
        "pledge-registrations", "contract-registrations", "product-filings",
        "stock-patent-registration", "transfer-licence-records", "classified-statistics",
    }  # fmt: skip
    for found in mappings:
        assert services.check_columns(found.target, found.columns) == {}, found.code
        assert TARGETS[found.target].direction == found.direction, found.code
