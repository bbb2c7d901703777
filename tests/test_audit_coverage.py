"""Every export and every file download is one audit row with its time, user, IP address, event
and outcome (GB/T 22239-2019 8.1.4.3 a, b); a signed-in user refused (403) is one row with
outcome "denied", and an anonymous visitor sent to the login page writes none.

`test_every_download_view_is_covered` reads the source of every view the URL resolver knows and
fails naming any view that sends a file (FileResponse, an attachment header, a workbook) but has
no case in EXPORTS: a new export cannot ship unaudited.
"""

import ast
import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from exchange.models import Mapping
from exchange.tests.helpers import published
from incentives import services as incentive_services
from incentives.models import Policy
from patents.factories import patent_number as number
from patents.models import Patent
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
)
from portal.models import AuditEntry, Organisation, Qualification, Region, Role, User
from portal.services import audit_record
from projects import factories as pf
from projects import services as project_services
from reporting import exporters as reporting_exporters
from reporting import selectors as reporting_selectors
from reporting import services as reporting_services
from reporting.models import ExportJob, ReturnForm

pytestmark = pytest.mark.django_db

IP = "10.20.30.40"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@dataclass
class Case:
    user: User
    url: str
    event: str
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    status: int = 200


# One set-up per export or download: it makes what the URL serves and returns who asks for it.


def _audit(fmt: str) -> Callable[[], Case]:
    def setup() -> Case:
        audit_record(actor=None, actor_label="x", event="test.event")
        user = UserFactory(role=Role.AUDIT_ADMIN)
        return Case(user, reverse("portal:audit_list") + f"?format={fmt}", "audit.export")

    return setup


def _attachment() -> Case:
    call = pf.open_call(categories=(3,))
    user = pf.applicant()
    application = project_services.application_create(actor=user, lot=pf.lot(call, 3))
    attachment = project_services.attachment_add(
        actor=user, application=application, name="申报书.pdf", handle=io.BytesIO(PDF),
        size=len(PDF),
    )  # fmt: skip
    url = reverse("projects:attachment_download", args=[attachment.pk])
    return Case(user, url, "project.attachment.download")


def _document() -> Case:
    from portal import documents

    call = pf.open_call(categories=(3,))
    user = pf.applicant()
    application = project_services.application_create(actor=user, lot=pf.lot(call, 3))
    declaration = documents.get("declaration")
    assert declaration is not None
    documents.issue(declaration, application, actor=user)  # the issue is a row of its own
    url = reverse("portal:document", args=["declaration", application.pk])
    return Case(user, url, "document.download")


def _ranking() -> Case:
    reviewer = pf.reviewer()
    call = pf.open_call(reviewer, categories=(3,))
    pf.scored(call, [80, 80, 80], actor=reviewer)
    url = reverse("projects:ranking_export", args=[pf.lot(call, 3).pk])
    return Case(reviewer, url, "project.ranking.export")


def _university() -> User:
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )


def _patent_template() -> Case:
    return Case(_university(), reverse("patents:template"), "patent.template.download")


def _patent_pool() -> Case:
    university = _university()
    Patent.objects.create(
        number=number(7), owner=university.organisation, title="一种富硒茶加工方法",
        kind=Patent.Kind.INVENTION, status=Patent.Status.VALID, filed_on=date(2021, 3, 1),
    )  # fmt: skip
    return Case(university, reverse("patents:export"), "patent.export")


def _claim_file() -> Case:
    giant = ApplicantFactory()
    Qualification.objects.create(
        organisation=giant.organisation, kind=Qualification.Kind.LITTLE_GIANT, year=2024,
        source="工信部第六批专精特新“小巨人”企业名单",
    )  # fmt: skip
    policy = Policy.objects.get(code="little-giant-province", is_active=True)
    claim = incentive_services.claim_create(actor=giant, policy=policy, data={})
    stored = incentive_services.claim_attach(
        actor=giant, claim=claim, label="认定文件", name="a.pdf", handle=io.BytesIO(PDF),
        size=len(PDF),
    )  # fmt: skip
    url = reverse("incentives:claim_file_download", args=[claim.pk, stored.pk])
    return Case(giant, url, "incentive.claim.download")


def _spending() -> Case:
    url = reverse("incentives:spending_export") + "?year=2025"
    return Case(UserFactory(role=Role.REVIEWER), url, "incentive.export")


def _stat_return():
    agency = CityAgencyFactory()
    stat_return = reporting_services.return_open(
        actor=agency, form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code="610900"), period="2025Q2",
    )  # fmt: skip
    return agency, stat_return


def _return_template() -> Case:
    agency, stat_return = _stat_return()
    url = reverse("reporting:return_template", args=[stat_return.pk])
    return Case(agency, url, "reporting.return.template")


def _return_export() -> Case:
    agency, stat_return = _stat_return()
    url = reverse("reporting:return_export", args=[stat_return.pk])
    return Case(agency, url, "reporting.return.export")


def _return_upload() -> Case:
    agency, stat_return = _stat_return()
    content = reporting_exporters.return_template(
        stat_return=stat_return,
        elements=reporting_selectors.form_elements(stat_return.form),
        previous={},
        current={},
    )
    result = reporting_services.return_upload_check(
        actor=agency, stat_return=stat_return, handle=io.BytesIO(content), name="r.xlsx",
        size=len(content),
    )  # fmt: skip
    url = reverse("reporting:upload_download", args=[result.upload.pk])
    return Case(agency, url, "reporting.upload.download")


def _dashboard_request() -> Case:
    url = reverse("reporting:dashboard_export", args=["610000"])
    return Case(
        UserFactory(role=Role.REVIEWER), url, "reporting.export.request", method="post",
        data={"period": ""}, status=302,
    )  # fmt: skip


def _dashboard_download() -> Case:
    reviewer = UserFactory(role=Role.REVIEWER)
    job = reporting_services.export_request(
        actor=reviewer, kind="dashboard", params={"region": "610000", "period": ""}
    )
    reporting_services.export_run(job_id=job.pk)
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.DONE
    return Case(reviewer, reverse("reporting:export_download", args=[job.pk]),
                "reporting.export.download")  # fmt: skip


def _exchange(fmt: str) -> Callable[[], Case]:
    def setup() -> Case:
        mapping = Mapping.objects.get(code="stock-patent-registration", is_active=True)
        url = reverse("exchange:export", args=[mapping.pk]) + f"?fmt={fmt}"
        return Case(UserFactory(role=Role.REVIEWER), url, "exchange.export")

    return setup


def _exchange_run_file() -> Case:
    from exchange import services as exchange_services

    reviewer = UserFactory(role=Role.REVIEWER)
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    content = published([["某某科技有限公司", "91610902MA6YQ43210", "安康市", 2025]])
    result = exchange_services.import_check(
        actor=reviewer, mapping=mapping, handle=io.BytesIO(content), name="名单.xlsx",
        size=len(content),
    )  # fmt: skip
    return Case(reviewer, reverse("exchange:run_file", args=[result.run.pk]), "exchange.download")


EXPORTS: dict[str, Callable[[], Case]] = {
    "portal:audit_list": _audit("csv"),
    "portal:audit_list#xlsx": _audit("xlsx"),
    "projects:attachment_download": _attachment,
    "portal:document": _document,
    "projects:ranking_export": _ranking,
    "patents:template": _patent_template,
    "patents:export": _patent_pool,
    "incentives:claim_file_download": _claim_file,
    "incentives:spending_export": _spending,
    "reporting:return_template": _return_template,
    "reporting:return_export": _return_export,
    "reporting:upload_download": _return_upload,
    "reporting:dashboard_export": _dashboard_request,
    "reporting:export_download": _dashboard_download,
    "exchange:export": _exchange("xlsx"),
    "exchange:export#csv": _exchange("csv"),
    "exchange:run_file": _exchange_run_file,
}


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_export_and_download_is_one_audit_row(client, name):
    case = EXPORTS[name]()
    client.force_login(case.user)
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = getattr(client, case.method)(case.url, case.data, REMOTE_ADDR=IP)
    assert response.status_code == case.status, (name, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
    new = list(AuditEntry.objects.filter(id__gt=last))
    assert [(e.event, e.actor_id, e.ip, e.outcome) for e in new] == [
        (case.event, case.user.pk, IP, "success")
    ], name
    assert abs((timezone.now() - new[0].at).total_seconds()) < 60


# Refusals ----------------------------------------------------------------------------------


def test_a_refused_signed_in_user_is_one_denied_row(client):
    reviewer = UserFactory(role=Role.REVIEWER)
    client.force_login(reviewer)
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = client.get(reverse("portal:audit_list") + "?actor=x", REMOTE_ADDR=IP)
    assert response.status_code == 403
    entry = AuditEntry.objects.get(id__gt=last)
    assert (entry.event, entry.actor, entry.ip, entry.outcome) == (
        "access.denied", reviewer, IP, "denied",
    )  # fmt: skip
    assert entry.after == {"method": "GET", "path": "/audit/?actor=x", "permission": "audit.view"}


def test_a_refused_api_call_and_a_csrf_failure_are_denied_rows_too(client, settings):
    from django.test import Client

    applicant = ApplicantFactory()
    client.force_login(applicant)
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert client.get("/api/v1/budgets/", REMOTE_ADDR=IP).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(applicant)
    last_login = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    assert strict.post(reverse("portal:inbox_mark_read"), REMOTE_ADDR=IP).status_code == 403
    denied = AuditEntry.objects.filter(id__gt=last, event="access.denied").order_by("id")
    assert [(e.actor, e.after["path"]) for e in denied] == [
        (applicant, "/api/v1/budgets/"),
        (applicant, reverse("portal:inbox_mark_read")),
    ]
    assert denied.last().id > last_login


def test_anonymous_visitors_write_nothing(client):
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    assert client.get(reverse("portal:audit_list")).status_code == 302  # to the login page
    assert client.get("/api/v1/budgets/").status_code in {401, 403}
    assert not AuditEntry.objects.filter(id__gt=last).exists()


# The guard ---------------------------------------------------------------------------------

SENDS_A_FILE = re.compile(
    r"FileResponse\(|StreamingHttpResponse\(|file_response\(|\.protect\(|_xlsx\(|xlsx_response\("
    r"|_audit_csv\(|spreadsheets\.download\("
    r"|Content-Disposition|export_request\("
)


def _views(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _views(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback


# Views that look like downloads but serve no data of the portal.
EXCLUDED = {"api-schema": "the OpenAPI description of the API: public, no data"}


def test_every_download_view_is_covered():
    sending = set()
    for name, callback in _views(get_resolver()):
        if name.startswith("admin:") or name in EXCLUDED:
            continue
        target = getattr(callback, "cls", None) or inspect.unwrap(callback)
        try:
            source = inspect.getsource(target)
        except (OSError, TypeError):
            continue
        if SENDS_A_FILE.search(source):
            sending.add(name)
    covered = {name.split("#")[0] for name in EXPORTS}
    assert sending - covered == set(), "exports or downloads with no audit case"
    assert covered - sending == set(), "cases for URLs that send no file"


# Every write service audits --------------------------------------------------------------------

SERVICE_MODULES = [
    path
    for app in ("portal", "projects", "patents", "incentives", "reporting", "exchange")
    for path in sorted((Path(__file__).resolve().parent.parent / app).rglob("*.py"))
    if (path.parent.name == "services" or path.stem in {"services", "workflow"})
    and "tests" not in path.parts
]


def _functions() -> dict[str, tuple[str, set[str], bool]]:
    """name → (module, names it calls, whether it is an atomic write service). Functions of the
    same name (each app's workflow `apply`, the engine's) are taken together: their calls are
    merged, as a call by name may reach any of them."""
    found: dict[str, tuple[str, set[str], bool]] = {}
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            calls = set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    func = inner.func
                    if isinstance(func, ast.Name):
                        calls.add(func.id)
                    elif isinstance(func, ast.Attribute):
                        calls.add(func.attr)
            atomic = any("atomic" in ast.unparse(d) for d in node.decorator_list)
            if node.name in found:
                module, before, was_atomic = found[node.name]
                found[node.name] = (module, before | calls, was_atomic or atomic)
            else:
                found[node.name] = (str(path), calls, atomic)
    return found


def test_every_atomic_write_service_writes_an_audit_row():
    """A service (an @transaction.atomic function of a services module or a workflow) must call
    audit_record, itself or through the functions it calls: data changes, state transitions,
    scores and permission changes all go through one."""
    functions = _functions()

    def audits(name: str, seen: frozenset = frozenset()) -> bool:
        if name == "audit_record":
            return True
        if name not in functions or name in seen:
            return False
        return any(audits(callee, seen | {name}) for callee in functions[name][1])

    silent = sorted(
        f"{module}:{name}"
        for name, (module, _calls, atomic) in functions.items()
        if atomic and not name.startswith("_") and not audits(name)
    )
    assert silent == []
    assert sum(atomic for _module, _calls, atomic in functions.values()) > 50  # the scan works
