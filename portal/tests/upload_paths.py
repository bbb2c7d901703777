"""Every upload path of the portal (pages and API), set up: who posts, where, in which field.
Used by the upload tests (test_uploads.py) and the rate-limit test (test_ratelimits.py)."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from exchange.models import Mapping, Run
from incentives import services as incentive_services
from incentives.models import Budget, ClaimFile, Policy
from patents.models import PatentImport
from portal.factories import ApplicantFactory, CityAgencyFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Qualification, Region, Role
from projects import factories as pf
from projects import services as project_services
from projects.models import Attachment, ProgressReport
from reporting import services as reporting_services
from reporting.models import ReturnForm, ReturnUpload


def api_client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    # The messages asserted here are the English ones; without the cookie the portal answers
    # in Chinese, as it does for everyone who has not chosen English.
    api.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return api


@dataclass
class Target:
    """One upload path, set up: who posts, where, which field, what else the form needs."""

    client: object
    url: str
    field: str
    data: dict
    stored: object  # () -> int: how many files (or records of them) are stored
    api: bool = False
    form_field: str | None = None  # the form field that shows the error, on a page with a form


def draft():
    call = pf.open_call(categories=(3,))
    user = pf.applicant()
    return user, project_services.application_create(actor=user, lot=pf.lot(call, 3))


def projects_page(client):
    user, application = draft()
    client.force_login(user)
    return Target(
        client, reverse("projects:attachment_upload", args=[application.pk]), "files", {},
        stored=Attachment.objects.count,
    )  # fmt: skip


def projects_report(client):
    reviewer = pf.reviewer()
    call = pf.open_call(reviewer, categories=(3,))
    application = pf.scored(call, [80, 80, 80], actor=reviewer)
    project_services.application_approve(actor=reviewer, application=application,
                                         amount=30 * pf.WAN)  # fmt: skip
    kpi = next(k for k in application.kpis.all() if not k.is_deliverable)
    client.force_login(application.created_by)
    return Target(
        client, reverse("projects:progress_report", args=[application.pk]), "evidence",
        {"narrative": "季度进展", f"actual_{kpi.code}": "2"},
        stored=lambda: Attachment.objects.count() + ProgressReport.objects.count(),
    )  # fmt: skip


def giant():
    applicant = ApplicantFactory()
    Qualification.objects.create(
        organisation=applicant.organisation, kind=Qualification.Kind.LITTLE_GIANT, year=2024,
        source="工信部第六批专精特新“小巨人”企业名单",
    )  # fmt: skip
    policy = Policy.objects.get(code="little-giant-province", is_active=True)
    Budget.objects.get_or_create(policy_code=policy.code, year=2025, region=policy.region,
                                 defaults={"allocated": Decimal("1000000")})  # fmt: skip
    return applicant, policy


def incentives_page(client):
    applicant, policy = giant()
    recognition = applicant.organisation.qualifications.get()
    client.force_login(applicant)
    return Target(
        client, reverse("incentives:claim_create", args=[policy.pk]), "evidence-0",
        {"recognition": recognition.pk, "description": ""}, stored=ClaimFile.objects.count,
    )  # fmt: skip


def incentives_api(client):
    applicant, policy = giant()
    claim = incentive_services.claim_create(
        actor=applicant, policy=policy,
        data={"recognition": applicant.organisation.qualifications.get()},
    )  # fmt: skip
    return Target(
        api_client(applicant), f"/api/v1/claims/{claim.pk}/files/", "file", {"label": "认定文件"},
        stored=ClaimFile.objects.count, api=True,
    )  # fmt: skip


def university():
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )


def patents_page(client):
    client.force_login(university())
    return Target(client, reverse("patents:import"), "file", {},
                  stored=PatentImport.objects.count, form_field="file")  # fmt: skip


def patents_api(client):
    return Target(api_client(university()), "/api/v1/patent-imports/", "file", {},
                  stored=PatentImport.objects.count, api=True)  # fmt: skip


def opened_return():
    agency = CityAgencyFactory()
    stat_return = reporting_services.return_open(
        actor=agency, form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code="610900"), period="2025Q2",
    )  # fmt: skip
    return agency, stat_return


def reporting_page(client):
    agency, stat_return = opened_return()
    client.force_login(agency)
    return Target(client, reverse("reporting:return_upload", args=[stat_return.pk]), "file",
                  {}, stored=ReturnUpload.objects.count)  # fmt: skip


def reporting_api(client):
    agency, stat_return = opened_return()
    return Target(api_client(agency), f"/api/v1/returns/{stat_return.pk}/upload/", "file", {},
                  stored=ReturnUpload.objects.count, api=True)  # fmt: skip


def exchange_page(client):
    client.force_login(UserFactory(role=Role.REVIEWER))
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    return Target(client, reverse("exchange:import", args=[mapping.pk]), "file", {},
                  stored=Run.objects.count, form_field="file")  # fmt: skip


# (name, set-up, accepted suffix, the setting of its per-file limit)
PATHS = [
    ("projects-attachment-page", projects_page, ".pdf", "PROJECT_ATTACHMENT_MAX_MB"),
    ("projects-report-evidence-page", projects_report, ".pdf", "PROJECT_ATTACHMENT_MAX_MB"),
    ("incentives-evidence-page", incentives_page, ".pdf", "PROJECT_ATTACHMENT_MAX_MB"),
    ("incentives-evidence-api", incentives_api, ".pdf", "PROJECT_ATTACHMENT_MAX_MB"),
    ("patents-import-page", patents_page, ".xlsx", "PATENT_IMPORT_MAX_MB"),
    ("patents-import-api", patents_api, ".xlsx", "PATENT_IMPORT_MAX_MB"),
    ("reporting-upload-page", reporting_page, ".xlsx", "REPORTING_UPLOAD_MAX_MB"),
    ("reporting-upload-api", reporting_api, ".xlsx", "REPORTING_UPLOAD_MAX_MB"),
    ("exchange-import-page", exchange_page, ".xlsx", "EXCHANGE_MAX_MB"),
]


def post(target: Target, name: str, content: bytes, content_type: str):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    data = {**target.data, target.field: upload}
    if target.api:
        return target.client.post(target.url, data, format="multipart")
    return target.client.post(target.url, data, follow=True)
