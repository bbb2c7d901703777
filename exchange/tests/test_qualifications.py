"""The provincial 专精特新 list as published: matched by credit code only, unknown codes listed,
bad codes refused by cell, all or nothing, idempotent, and the enterprises eligible at once."""

import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from exchange import services
from exchange.models import Mapping, Run
from exchange.tests.helpers import published
from incentives import eligibility
from incentives.models import Policy
from portal.factories import (
    ApplicantFactory,
    OrganisationFactory,
    UserFactory,
    credit_code,
    wrong_check,
)
from portal.models import Qualification, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


code = credit_code  # a credit code with its check character
wrong = wrong_check  # the same with a wrong one


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def enterprise(db):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            credit_code=code("91610902MA6YQ1234"), region=Region.objects.get(code="610902")
        )
    )


def check(reviewer, content: bytes, name: str = "名单.xlsx"):
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    return services.import_check(
        actor=reviewer, mapping=mapping, handle=io.BytesIO(content), name=name, size=len(content)
    )


def test_the_published_list_imports_and_makes_the_enterprise_eligible_at_once(reviewer, enterprise):
    unknown = code("91610100MA6TXX999")
    content = published([
        [enterprise.organisation.name, enterprise.organisation.credit_code.lower(), "安康市", 2024],
        ["某未注册公司", unknown, "西安市", 2024],
        ["校验位错误公司", wrong(code("91610300MA6X12345")), "宝鸡市", 2024],
    ])  # fmt: skip
    result = check(reviewer, content)
    cells = {p.cell: p for p in result.problems}
    # Row 1 is the title, row 2 the headers: the lines are rows 3, 4 and 5.
    assert cells["C5"].is_blocking  # the wrong check character, in its cell
    assert not cells["C4"].is_blocking and unknown in cells["C4"].message
    assert not result.can_apply
    with pytest.raises(ValidationError) as error:
        services.import_apply(actor=reviewer, run=result.run)
    assert "C5" in error.value.messages[0]
    assert not Qualification.objects.exists()  # all or nothing

    fixed = published([
        [enterprise.organisation.name, enterprise.organisation.credit_code.lower(), "安康市", 2024],
        ["某未注册公司", unknown, "西安市", 2024],
    ])  # fmt: skip
    result = check(reviewer, fixed)
    assert result.can_apply and result.plan.created == 1 and result.plan.skipped == 1
    assert not Qualification.objects.exists()  # the dry run stores nothing
    services.import_apply(actor=reviewer, run=result.run)
    qualification = Qualification.objects.get()
    assert (qualification.kind, qualification.year) == ("specialised_provincial", 2024)
    found = eligibility.check(
        enterprise.organisation,
        Policy.objects.get(code="specialised-province", is_active=True),
        today=date(2025, 6, 30),
    )
    assert found.eligible
    # The same list again changes nothing.
    again = check(reviewer, fixed)
    assert again.plan.unchanged == 1 and not again.can_apply
    assert Qualification.objects.count() == 1


def test_an_export_imports_back_to_the_same_records(reviewer, enterprise):
    Qualification.objects.create(
        organisation=enterprise.organisation, kind="specialised_provincial", year=2025,
        recognised_on=date(2025, 3, 1), source="陕西省工业和信息化厅 省级专精特新中小企业名单",
    )  # fmt: skip
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    content, name, count = services.export(
        actor=reviewer, mapping=mapping, params={"kind": "specialised_provincial"}
    )
    assert count == 1 and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]][:3] == ["企业名称", "统一社会信用代码", "认定年度"]
    result = check(reviewer, content, name)
    assert not result.problems and result.plan.unchanged == 1
    csv_content, csv_name, _count = services.export(
        actor=reviewer, mapping=mapping, params={"kind": "specialised_provincial"}, fmt="csv"
    )
    assert check(reviewer, csv_content, csv_name).plan.unchanged == 1
    assert Run.objects.filter(applied_at__isnull=True).count() == 4  # 2 exports, 2 dry runs


def test_a_list_without_the_headers_is_refused_clearly(reviewer):
    workbook = Workbook()
    workbook.active.append(["名称", "代码"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = check(reviewer, buffer.getvalue())
    assert "No row holds the headers 统一社会信用代码、认定年度" in result.problems[0].message
    with pytest.raises(ValidationError, match=r"upload an \.xlsx or \.csv"):
        check(reviewer, b"x", "名单.xls")


def test_only_reviewers_import(enterprise):
    with pytest.raises(Exception, match=r"exchange\.run"):
        check(enterprise, published([]))


def test_a_changed_mapping_in_use_becomes_a_new_version(reviewer, enterprise):
    check(reviewer, published([]))  # a run used version 1
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    columns = [*mapping.columns]
    columns[2] = {**columns[2], "header": "年度"}
    changed = services.mapping_save(actor=reviewer, mapping=mapping, data={"columns": columns})
    assert changed.version == 2 and changed.is_active
    mapping.refresh_from_db()
    assert not mapping.is_active and mapping.columns[2]["header"] == "认定年度"
    with pytest.raises(ValidationError) as error:
        services.mapping_save(
            actor=reviewer, mapping=changed, data={"columns": [{"header": "代码", "field": "x"}]}
        )
    assert "choose one of the fields of" in error.value.message_dict["columns"][0]


def test_a_blocked_file_counts_its_rows_not_its_problems(reviewer, enterprise):
    """Two bad cells in one row are one row read (the page said "3 rows" for two lines)."""
    content = published([
        [enterprise.organisation.name, enterprise.organisation.credit_code, "安康市", 2024],
        ["校验位错误公司", wrong(code("91610300MA6X12345")), "宝鸡市", "明年"],
    ])  # fmt: skip
    result = check(reviewer, content)
    assert len([p for p in result.problems if p.is_blocking and p.cell.endswith("4")]) == 2
    assert result.rows == result.run.rows == 2
