"""The patent pool: numbers, import (dry run, good rows in one transaction, re-import updates),
screening, coverage, the high-value candidates and the 5-year flag, and who may do what."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import load_workbook

from patents import exporters, selectors, services
from patents.factories import PatentFactory, patent_number
from patents.models import Patent
from patents.tests.helpers import check, csv_bytes, good_row
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.identifiers import parse_patent_number
from portal.models import Organisation, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def university(db):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    ).organisation


@pytest.fixture
def staff(university):
    return university.members.first()


# Numbers (DOMAIN.md §8) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised", "kind"),
    [
        ("202110182616.5", "202110182616.5", "invention"),
        ("ZL202311397827.6", "202311397827.6", "invention"),
        ("CN 202311397827.6", "202311397827.6", "invention"),
        ("95115608.X", "95115608.X", "invention"),
    ],
)
def test_valid_application_numbers_are_normalised(raw, normalised, kind):
    parsed = parse_patent_number(raw)
    assert (parsed.number, parsed.kind, parsed.warning) == (normalised, kind, "")


def test_a_wrong_check_character_names_the_right_one():
    with pytest.raises(ValidationError) as raised:
        parse_patent_number("202310123456.7")
    assert "it should be 6, not 7" in raised.value.messages[0]


def test_an_unknown_type_digit_is_a_warning_not_an_error():
    parsed = parse_patent_number(patent_number(1, kind="5"))
    assert parsed.kind == "other" and "type digit 5" in parsed.warning


# Import --------------------------------------------------------------------------------------


def test_dry_run_lists_every_bad_row_with_its_cell_and_stores_nothing(staff, university):
    content = csv_bytes(
        [
            good_row(1),
            good_row(2, number="2021101826165"),  # missing dot: accepted
            good_row(3, number="202310123456.7"),  # wrong check digit
            good_row(4, number="12345"),  # not a number
            good_row(5, kind="专利"),  # unknown type
            good_row(1, title="重复"),  # duplicate of row 2
            good_row(7, title=""),  # missing title
            good_row(8, filed_on="2021-13-01"),  # not a date
            good_row(9, ipc="G06F"),  # not an IPC class
            good_row(10, kind="外观设计"),  # numbered as an invention
        ]
    )
    result = check(staff, university, content)
    cells = {p.cell: p.message for p in result.problems}
    assert "it should be" in cells["A4"]
    assert "not a patent application number" in cells["A5"]
    assert "not a patent type" in cells["C6"]
    assert "listed twice (first in row 2)" in cells["A7"]
    assert "title is missing" in cells["B8"]
    assert "not a date" in cells["E9"]
    assert "not an IPC class" in cells["G10"]
    assert "numbered as Invention" in cells["C11"]
    assert result.total == 10 and result.bad_rows == 8
    assert result.to_create == 2 and result.can_apply
    assert Patent.objects.count() == 0

    applied = services.patent_import_apply(actor=staff, patent_import=result.patent_import)
    assert applied.to_create == 2
    assert set(Patent.objects.values_list("number", flat=True)) == {
        patent_number(1),
        "202110182616.5",
    }
    patent = Patent.objects.get(number=patent_number(1))
    assert patent.ipc == "C01B19/00;A23L33/16" and patent.granted_on == date(2023, 6, 2)
    with pytest.raises(ValidationError, match="already been imported"):
        services.patent_import_apply(actor=staff, patent_import=result.patent_import)


def test_reimport_updates_by_number_and_keeps_the_screening(staff, university):
    first = check(staff, university, csv_bytes([good_row(1), good_row(2)]))
    services.patent_import_apply(actor=staff, patent_import=first.patent_import)
    patent = Patent.objects.get(number=patent_number(1))
    services.patent_screen(actor=staff, patent=patent, tier="A", industry="04", note="市场前景好")

    same = check(staff, university, csv_bytes([good_row(1), good_row(2)]))
    assert (same.to_create, same.to_update) == (0, 0) and not same.can_apply
    again = check(staff, university, csv_bytes([good_row(1, title="改名后的标题"), good_row(3)]))
    assert (again.to_create, again.to_update) == (1, 1)
    services.patent_import_apply(actor=staff, patent_import=again.patent_import)
    assert Patent.objects.count() == 3
    patent.refresh_from_db()
    assert patent.title == "改名后的标题" and patent.tier == "A" and patent.screened_at


def test_a_failure_while_storing_stores_nothing(staff, university, monkeypatch):
    first = check(staff, university, csv_bytes([good_row(1)]))
    services.patent_import_apply(actor=staff, patent_import=first.patent_import)
    result = check(staff, university, csv_bytes([good_row(1, title="新标题"), good_row(2)]))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.pool, "_update_rows", broken)
    with pytest.raises(RuntimeError):
        services.patent_import_apply(actor=staff, patent_import=result.patent_import)
    # The new row created before the failure was rolled back with it; the old row is as it was.
    assert list(Patent.objects.values_list("number", "title")) == [
        (patent_number(1), good_row(1)[1])
    ]
    result.patent_import.refresh_from_db()
    assert result.patent_import.applied_at is None


def test_a_number_in_another_pool_is_refused(staff, university):
    other = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    first = check(other, other.organisation, csv_bytes([good_row(1)]))
    services.patent_import_apply(actor=other, patent_import=first.patent_import)
    result = check(staff, university, csv_bytes([good_row(1)]))
    assert "another organisation's pool" in result.problems[0].message
    assert not result.can_apply


def test_the_template_round_trips_and_gbk_csv_reads(staff, university):
    template = exporters.patent_template()
    workbook = load_workbook(io.BytesIO(template))
    assert workbook.active.title == "专利清单"
    result = check(staff, university, template, name="专利清单.xlsx")
    assert result.problems == [] and result.to_create == 1  # the example row
    gbk = csv_bytes([good_row(5)], encoding="gb18030")
    assert check(staff, university, gbk).to_create == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4", "list.xlsx", "not an Excel .xlsx workbook"),
        (b"", "list.csv", "is empty"),
        ("序号,名称\n1,x\n".encode(), "list.csv", "no header row"),
        (csv_bytes([], header=["申请号", "专利名称"]), "list.csv", "lacks the columns"),
    ],
)
def test_unreadable_lists_are_refused_clearly(staff, university, content, name, message):
    with pytest.raises(ValidationError) as raised:
        check(staff, university, content, name)
    assert message in raised.value.messages[0]


# Screening and coverage ------------------------------------------------------------------------


def test_screening_and_coverage_by_organisation_city_and_province(staff, university):
    reviewer = UserFactory(role=Role.REVIEWER)
    ankang = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)  # in 汉滨区, Ankang
    patents = [PatentFactory(owner=university, serial=n) for n in range(1, 5)]
    PatentFactory(owner=university, serial=5, converted=True)  # converted: not in the denominator
    PatentFactory(owner=university, serial=6, status=Patent.Status.LAPSED)  # not valid: neither
    PatentFactory(owner=ankang, serial=7)
    services.patent_screen(actor=staff, patent=patents[0], tier="A", industry="01")
    services.patent_screen(actor=staff, patent=patents[1], tier="C", industry="07")

    by_org = {c.label: c for c in selectors.coverage_by_organisation(user=reviewer)}
    assert (by_org[university.name].screened, by_org[university.name].unconverted_valid) == (2, 4)
    assert by_org[university.name].percent == 50
    by_region = {c.label: c for c in selectors.coverage_by_region(user=reviewer)}
    assert by_region["陕西省"].unconverted_valid == 5 and by_region["陕西省"].percent == 40
    assert by_region["西安市"].percent == 50 and by_region["安康市"].percent == 0
    # The university sees its own pool only.
    assert [c.label for c in selectors.coverage_by_organisation(user=staff)] == [university.name]


def test_only_unconverted_valid_patents_are_screened_by_their_owner(staff, university):
    converted = PatentFactory(owner=university, serial=1, converted=True)
    with pytest.raises(ValidationError, match="Only unconverted valid"):
        services.patent_screen(actor=staff, patent=converted, tier="A", industry="01")
    patent = PatentFactory(owner=university, serial=2)
    with pytest.raises(ValidationError) as raised:
        services.patent_screen(actor=staff, patent=patent, tier="Z", industry="99")
    assert set(raised.value.message_dict) == {"tier", "industry"}
    outsider = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    with pytest.raises(PermissionDenied):
        services.patent_screen(actor=outsider, patent=patent, tier="A", industry="01")
    enterprise = ApplicantFactory()
    with pytest.raises(PermissionDenied):
        check(enterprise, enterprise.organisation, csv_bytes([good_row(1)]))
    assert selectors.patent_list(user=outsider).count() == 0
    assert selectors.patent_list(user=enterprise).count() == 0


def test_the_five_year_flag_and_high_value_candidates(university):
    today = date(2026, 11, 23)
    funded_old = PatentFactory(
        owner=university, serial=1, state_funded=True, granted_on=date(2021, 11, 22)
    )
    funded_recent = PatentFactory(
        owner=university, serial=2, state_funded=True, granted_on=date(2021, 11, 24)
    )
    funded_used = PatentFactory(
        owner=university, serial=3, state_funded=True, granted_on=date(2015, 1, 1), converted=True
    )
    assert funded_old.unimplemented_state_funded(today)
    assert not funded_recent.unimplemented_state_funded(today)
    assert not funded_used.unimplemented_state_funded(today)

    long_lived = PatentFactory(owner=university, serial=4, filed_on=date(2015, 11, 22))
    young = PatentFactory(owner=university, serial=5, filed_on=date(2016, 11, 24), industry="07")
    assert long_lived.years_in_force(today) == 11
    assert long_lived.high_value_reasons(today) == ["maintained more than 10 years"]
    assert young.high_value_reasons(today) == []
    strategic = PatentFactory(
        owner=university, serial=6, filed_on=date(2020, 1, 1), industry="04", foreign_family=True
    )
    assert len(strategic.high_value_reasons(today)) == 2
    utility = PatentFactory(
        owner=university, serial=7, kind=Patent.Kind.UTILITY_MODEL, foreign_family=True
    )
    assert utility.high_value_reasons(today) == []
