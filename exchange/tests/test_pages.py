"""The exchange pages: an import checked by cell then confirmed once, the mapping editor's
versions, exports as files, and who may do what (owner, reader, outsider)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from exchange.forms import choices_text, parse_choices
from exchange.models import Mapping, Run
from exchange.tests.helpers import published
from patents.factories import PatentFactory, patent_number
from portal.factories import (
    ApplicantFactory,
    OrganisationFactory,
    UserFactory,
    credit_code,
    wrong_check,
)
from portal.models import AuditEntry, Organisation, Qualification, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages speak Chinese unless the switcher chose English."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def enterprise(db):
    return ApplicantFactory(
        organisation=OrganisationFactory(
            credit_code=credit_code("91610902MA6YQ4321"), region=Region.objects.get(code="610902")
        )
    )


def zjtx() -> Mapping:
    return Mapping.objects.get(code="zjtx-provincial", is_active=True)


def upload(client, content: bytes, name: str = "名单.xlsx"):
    return client.post(
        reverse("exchange:import", args=[zjtx().pk]), {"file": SimpleUploadedFile(name, content)}
    )


def rows_for(enterprise, *extra) -> list[list]:
    organisation = enterprise.organisation
    return [[organisation.name, organisation.credit_code.lower(), "安康市", 2025], *extra]


def test_the_import_page_lists_problems_by_cell_and_offers_no_confirm(client, reviewer, enterprise):
    unknown = credit_code("91610100MA6TXX998")
    client.force_login(reviewer)
    assert client.get(reverse("exchange:import", args=[zjtx().pk])).status_code == 200
    page = upload(client, published(rows_for(
        enterprise,
        ["某未注册公司", unknown, "西安市", 2025],
        ["校验位错误公司", wrong_check(credit_code("91610300MA6X12346")), "宝鸡市", 2025],
    )))  # fmt: skip
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-cell="C5" data-importance="blocking"' in body  # the wrong check character
    assert 'data-cell="C4" data-importance="warning"' in body  # the unknown code
    assert 'data-testid="unmatched"' in body and unknown in body
    assert 'data-testid="not-matched"' in body
    assert 'data-testid="import-confirm"' not in body
    assert not Qualification.objects.exists()


def test_confirm_applies_once(client, reviewer, enterprise):
    client.force_login(reviewer)
    page = upload(client, published(rows_for(enterprise)))
    assert 'data-testid="import-confirm"' in page.content.decode()
    run = page.context["result"].run
    assert not Qualification.objects.exists()  # the dry run stores nothing

    done = client.post(reverse("exchange:run_apply", args=[run.pk]), follow=True)
    assert done.redirect_chain[-1][0] == f"{reverse('exchange:run_list')}?mapping=zjtx-provincial"
    assert "1 created" in done.content.decode()
    qualification = Qualification.objects.get()
    assert (qualification.organisation, qualification.kind, qualification.year) == (
        enterprise.organisation, "specialised_provincial", 2025,
    )  # fmt: skip
    assert 'data-applied="yes"' in done.content.decode()

    again = client.post(reverse("exchange:run_apply", args=[run.pk]), follow=True)
    assert "already been imported" in again.content.decode()
    assert Qualification.objects.count() == 1


def test_an_apply_refused_by_the_check_shows_why(client, reviewer, enterprise):
    client.force_login(reviewer)
    bad = wrong_check(credit_code("91610300MA6X12346"))
    run = upload(client, published([["校验位错误公司", bad, "宝鸡市", 2025]])).context["result"].run
    refused = client.post(reverse("exchange:run_apply", args=[run.pk]), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("exchange:import", args=[zjtx().pk])
    assert "名单!C3" in refused.content.decode()
    assert Run.objects.get(pk=run.pk).applied_at is None


def editor_data(mapping: Mapping, **changes) -> dict:
    """The editor's form as posted: the mapping's values, one row per column, two empty rows."""
    data = {
        "name": mapping.name,
        "target": mapping.target,
        "direction": mapping.direction,
        "sheet": mapping.sheet,
        "header_row": mapping.header_row,
        "source": mapping.source,
        "params": '{"kind": "specialised_provincial", "source": "省工信厅名单"}',
        "column-TOTAL_FORMS": len(mapping.columns) + 2,
        "column-INITIAL_FORMS": len(mapping.columns),
        "column-MIN_NUM_FORMS": 0,
        "column-MAX_NUM_FORMS": 1000,
    }
    for index, column in enumerate(mapping.columns):
        row = {
            "header": column["header"],
            "field": column["field"],
            "type": column.get("type", "text"),
            "choices": choices_text(column.get("choices")),
            "transform": column.get("transform", ""),
        }
        if column.get("required"):
            row["required"] = "on"
        data |= {f"column-{index}-{key}": value for key, value in row.items()}
    for index in range(len(mapping.columns), len(mapping.columns) + 2):
        # What a browser posts for an empty row: each select's first (or chosen) option.
        data |= {f"column-{index}-field": "", f"column-{index}-type": "text"}
        data |= {f"column-{index}-transform": "", f"column-{index}-header": ""}
    return data | changes


def test_the_editor_round_trip_makes_a_new_version_when_a_run_used_it(client, reviewer):
    mapping = zjtx()
    client.force_login(reviewer)
    url = reverse("exchange:mapping_edit", args=[mapping.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="in-use"' not in page.content.decode()
    assert page.context["columns"].forms[2].initial["header"] == "认定年度"

    # Unused: the change is saved in place.
    saved = client.post(url, editor_data(mapping, name="专精特新名单"), follow=True)
    assert "Saved 专精特新名单 (version 1)" in saved.content.decode()
    mapping.refresh_from_db()
    assert (mapping.version, mapping.name) == (1, "专精特新名单")
    assert mapping.params["source"] == "省工信厅名单"

    # Used by a run: a new header makes version 2; version 1 stays as the run read it.
    Run.objects.create(mapping=mapping, created_by=reviewer)
    page = client.get(url)
    assert 'data-testid="in-use"' in page.content.decode()
    unchanged = client.post(url, editor_data(mapping), follow=True)
    assert "Nothing changed" in unchanged.content.decode()
    changed = client.post(url, editor_data(mapping, **{"column-2-header": "年度"}), follow=True)
    assert "Saved as version 2" in changed.content.decode()
    new = zjtx()
    assert new.version == 2 and new.columns[2]["header"] == "年度"
    mapping.refresh_from_db()
    assert not mapping.is_active and mapping.columns[2]["header"] == "认定年度"

    # The service's own check is shown: a required field left unmapped.
    data = editor_data(new, **{"column-1-DELETE": "on"})
    refused = client.post(reverse("exchange:mapping_edit", args=[new.pk]), data)
    assert refused.status_code == 200
    assert "Map the required fields: unified social credit code." in refused.content.decode()
    assert zjtx().pk == new.pk


def test_a_new_mapping_from_the_editor(client, reviewer):
    client.force_login(reviewer)
    data = {
        "code": "zjtx-xian",
        "name": "西安市专精特新名单",
        "target": "qualifications",
        "direction": "import",
        "sheet": "",
        "header_row": 0,
        "source": "",
        "params": '{"kind": "specialised_provincial"}',
        "column-TOTAL_FORMS": 3,
        "column-INITIAL_FORMS": 0,
        "column-MIN_NUM_FORMS": 0,
        "column-MAX_NUM_FORMS": 1000,
        "column-0-header": "信用代码",
        "column-0-field": "credit_code",
        "column-0-type": "credit_code",
        "column-0-required": "on",
        "column-1-header": "年份",
        "column-1-field": "year",
        "column-1-type": "integer",
        "column-1-required": "on",
        "column-2-header": "",
        "column-2-field": "",
        "column-2-type": "text",
        "column-2-transform": "",
        "column-2-choices": "",
    }
    response = client.post(reverse("exchange:mapping_new"), data)
    assert response.status_code == 302
    mapping = Mapping.objects.get(code="zjtx-xian")
    assert mapping.columns == [
        {"header": "信用代码", "field": "credit_code", "type": "credit_code", "required": True},
        {"header": "年份", "field": "year", "type": "integer", "required": True},
    ]
    again = client.post(reverse("exchange:mapping_new"), data)
    assert "Give the mapping a new code" in again.content.decode()


def test_allowed_values_as_lines_or_json():
    assert parse_choices("是=true\n否＝false\n\n甲") == {"是": "true", "否": "false", "甲": "甲"}
    assert parse_choices('{"是": true, "否": false}') == {"是": True, "否": False}
    assert choices_text({"是": True}) == '{"是": true}'
    assert choices_text({"甲": "a", "乙": "乙"}) == "甲=a\n乙"


def test_the_export_downloads_a_workbook(client, reviewer, enterprise):
    Qualification.objects.create(
        organisation=enterprise.organisation, kind="specialised_provincial", year=2025,
        source="省工信厅",
    )  # fmt: skip
    Qualification.objects.create(organisation=enterprise.organisation, kind="high_tech", year=2024)
    client.force_login(reviewer)
    index = client.get(reverse("exchange:index")).content.decode()
    assert 'data-testid="export-form"' in index and 'data-testid="import"' in index
    url = reverse("exchange:export", args=[zjtx().pk])
    response = client.get(url, {"fmt": "xlsx"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="zjtx-provincial-') and disposition.isascii()
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    # The mapping's own kind applies: the high-tech recognition is not on the 专精特新 list.
    assert rows == [
        ("企业名称", "统一社会信用代码", "认定年度", "认定日期", "有效期至"),
        (enterprise.organisation.name, enterprise.organisation.credit_code, 2025, None, None),
    ]
    csv = client.get(url, {"fmt": "csv", "kind": "high_tech", "unknown": "x"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[1].endswith(",2024,,")
    assert Run.objects.filter(file="").count() == 2
    assert client.get(url, {"fmt": "pdf"}).status_code == 302  # refused with a message


def test_runs_list_and_the_uploaded_file(
    client, reviewer, enterprise, django_assert_max_num_queries
):
    client.force_login(reviewer)
    for _ in range(3):
        upload(client, published(rows_for(enterprise)))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("exchange:run_list"))
    assert page.content.decode().count('data-testid="run-row"') == 3
    run = Run.objects.first()
    download = client.get(reverse("exchange:run_file", args=[run.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    assert AuditEntry.objects.filter(event="exchange.download").count() == 1


def test_access_outsiders_readers_and_owners(client, reviewer, enterprise):
    client.force_login(reviewer)
    run = upload(client, published(rows_for(enterprise))).context["result"].run
    pk = zjtx().pk
    pages = {
        "index": reverse("exchange:index"),
        "import": reverse("exchange:import", args=[pk]),
        "export": reverse("exchange:export", args=[pk]) + "?fmt=xlsx",
        "edit": reverse("exchange:mapping_edit", args=[pk]),
        "new": reverse("exchange:mapping_new"),
        "runs": reverse("exchange:run_list"),
        "file": reverse("exchange:run_file", args=[run.pk]),
    }
    for outsider in (enterprise, UserFactory(role=Role.EXPERT)):
        client.force_login(outsider)
        for name, url in pages.items():
            assert client.get(url).status_code == 403, (outsider.role, name)
        assert client.post(reverse("exchange:run_apply", args=[run.pk])).status_code == 403

    leader = UserFactory(role=Role.LEADER)
    client.force_login(leader)
    index = client.get(pages["index"])
    assert index.status_code == 200 and "zjtx-provincial" in index.content.decode()
    assert 'data-testid="import"' not in index.content.decode()
    assert 'data-testid="edit"' not in index.content.decode()
    assert client.get(pages["runs"]).status_code == 200
    for name in ("import", "export", "edit", "new", "file"):
        assert client.get(pages[name]).status_code == 403, name
    assert (
        client.post(pages["import"], {"file": SimpleUploadedFile("a.csv", b"x")}).status_code == 403
    )
    assert client.post(reverse("exchange:run_apply", args=[run.pk])).status_code == 403
    assert not Qualification.objects.exists()
    assert Run.objects.get(pk=run.pk).applied_at is None


def test_a_university_exports_only_its_own_registration_batch(client, reviewer):
    own, other = (
        ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
        for _ in range(2)
    )
    PatentFactory(owner=own.organisation, serial=1, screened_at=timezone.now(), tier="A",
                  industry="01")  # fmt: skip
    PatentFactory(owner=own.organisation, serial=2)  # not screened: not registered
    PatentFactory(owner=other.organisation, serial=3, screened_at=timezone.now(), tier="B",
                  industry="02")  # fmt: skip
    batch = Mapping.objects.get(code="stock-patent-registration", is_active=True)

    client.force_login(own)
    index = client.get(reverse("exchange:index")).content.decode()
    assert index.count('data-testid="mapping-row"') == 1 and "stock-patent-registration" in index
    assert 'name="organisation"' not in index  # it chooses no other organisation
    assert client.get(reverse("exchange:import", args=[zjtx().pk])).status_code == 404
    assert client.get(reverse("exchange:export", args=[zjtx().pk])).status_code == 404
    assert client.get(reverse("exchange:run_list")).status_code == 403
    url = reverse("exchange:export", args=[batch.pk])
    response = client.get(url, {"fmt": "xlsx", "organisation": other.organisation.pk})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [patent_number(1)]

    client.force_login(reviewer)  # a reviewer chooses the organisation
    response = client.get(url, {"fmt": "xlsx", "organisation": other.organisation.pk})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [patent_number(3)]
