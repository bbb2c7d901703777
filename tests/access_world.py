"""The world the access-control matrix (tests/access_matrix.py) is asked about.

Two users of every role, in different organisations and cities, and for each app the objects one
of them owns and the other must not reach: applications (a draft, a submitted one, a project in
execution, two under expert review), claims, patents and their import, needs and suggestions,
conversion events, statistics returns of 安康市 and 西安市, exports, mappings and runs. Objects
are made through the services where the apps' own tests do so (the rest, as those tests make
them: a need's suggestion, a target, a budget), so each is in a state the portal itself reaches.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import TestCase
from django.utils import timezone

from exchange import services as exchange_services
from exchange.models import Mapping
from exchange.tests.helpers import published
from incentives import services as incentive_services
from incentives.models import Budget, Policy
from patents import services as patent_services
from patents.factories import PatentFactory
from patents.models import Match, TechNeed
from patents.tests.helpers import csv_bytes, good_row
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Qualification, Region, Role, User
from projects import factories as pf
from projects import services as project_services
from projects.models import Assignment, ExpertProfile
from projects.tests.helpers import pdf
from reporting import exporters as reporting_exporters
from reporting import selectors as reporting_selectors
from reporting import services as reporting_services
from reporting.models import (
    DataElement,
    DataValue,
    Indicator,
    ProgressSnapshot,
    ReturnForm,
    Target,
    ValidationRule,
)
from reporting.selectors import previous_values
from reporting.tests.workbooks import all_figures, fill

# The users the matrix asks about, by key: two per role. Applicants come in two kinds (the patent
# pool is a university's, technology needs an enterprise's), so there are two of each kind, one
# in 安康市 and one in 西安市.
ACTOR_KEYS = (
    "ent_ak",  # applicant: an enterprise in 汉滨区, 安康市 (national little giant 2024)
    "ent_xa",  # applicant: an enterprise in 西安市 (national little giant 2024)
    "uni_xa",  # applicant: a university in 西安市 (a patent pool)
    "uni_ak",  # applicant: a university in 汉滨区, 安康市 (another pool)
    "rev1",
    "rev2",  # reviewers of the provincial IP bureau
    "exp1",  # expert: accepted an assignment of application `app_exp1`
    "exp2",  # expert: has a pending assignment of application `app_exp2`
    "city_ak",  # city agency of 安康市 (610900)
    "city_xa",  # city agency of 西安市 (610100)
    "lead1",
    "lead2",
    "sys1",
    "sys2",
    "sec1",
    "sec2",
    "aud1",
    "aud2",
    "norole",  # an account the system admin created and no security admin has given a role yet
)
PERIOD = "2025Q2"  # long past: open whatever today is (as in reporting/tests)
OLD_PERIOD = "2025Q1"


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, Model] = field(default_factory=dict)
    # URL kwargs by object key, e.g. "app_draft" → {"pk": 12}
    kwargs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What well-formed payloads carry: a PDF, a filled return workbook, an element's code
    files: dict[str, Any] = field(default_factory=dict)

    def identity(self, key: str) -> dict[str, Any]:
        """How an API list shows the object: its id, or its natural key where it has no id."""
        obj = self.objects[key]
        if isinstance(obj, DataValue):
            return {"region": obj.region.code, "element": obj.element.code, "period": obj.period}
        if isinstance(obj, ProgressSnapshot):
            return {
                "region": obj.target.region.code,
                "indicator": obj.target.indicator.code,
                "period": obj.period,
            }
        return {"id": obj.pk}

    def add(self, key: str, obj: Model, **kwargs: Any) -> Model:
        self.objects[key] = obj
        self.kwargs[key] = kwargs or {"pk": obj.pk}
        return obj


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def _applicant(kind: str, region_code: str, **org) -> User:
    organisation = OrganisationFactory(kind=kind, region=region(region_code), **org)
    return ApplicantFactory(organisation=organisation)


def _little_giant(user: User) -> None:
    Qualification.objects.create(
        organisation=user.organisation,
        kind=Qualification.Kind.LITTLE_GIANT,
        year=2024,
        source="工信部第六批专精特新“小巨人”企业名单",
    )


def build() -> World:
    """Build the world; callers run it inside a transaction they roll back."""
    world = World()
    # Work queued for after commit (notifications, recomputation, exports) runs after each step,
    # as it would after each request.
    for step in (_users, _projects, _patents, _incentives, _reporting, _progress, _exchange):
        with TestCase.captureOnCommitCallbacks(execute=True):
            step(world)
    _portal(world)
    return world


def _users(world: World) -> None:
    world.files["pdf"] = pdf()
    u = world.users
    u["ent_ak"] = _applicant(Organisation.Kind.ENTERPRISE, "610902", name="安康富硒科技有限公司")
    u["ent_xa"] = _applicant(Organisation.Kind.ENTERPRISE, "610100", name="西安芯材有限公司")
    u["uni_xa"] = _applicant(Organisation.Kind.UNIVERSITY, "610100", name="西安理工示范大学")
    u["uni_ak"] = _applicant(Organisation.Kind.UNIVERSITY, "610902", name="安康示范学院")
    for key in ("ent_ak", "ent_xa"):
        _little_giant(u[key])
    for key in ("rev1", "rev2"):
        u[key] = UserFactory(username=key, role=Role.REVIEWER)
    u["exp1"] = pf.expert(field=ExpertProfile.Field.EQUIPMENT, username="exp1")
    u["exp2"] = pf.expert(field=ExpertProfile.Field.MATERIALS, username="exp2")
    u["city_ak"] = UserFactory(username="city_ak", role=Role.CITY_AGENCY, region=region("610900"))
    u["city_xa"] = UserFactory(username="city_xa", role=Role.CITY_AGENCY, region=region("610100"))
    for prefix, role in (
        ("lead", Role.LEADER),
        ("sys", Role.SYSTEM_ADMIN),
        ("sec", Role.SECURITY_ADMIN),
        ("aud", Role.AUDIT_ADMIN),
    ):
        for n in (1, 2):
            u[f"{prefix}{n}"] = UserFactory(username=f"{prefix}{n}", role=role)
    u["norole"] = UserFactory(username="norole", role="")
    # Django's admin site only: production has no superuser (see the matrix's "admin:index").
    u["superuser"] = UserFactory(username="root", role="", is_staff=True, is_superuser=True)
    assert set(ACTOR_KEYS) <= set(u)
    for key in ("ent_ak", "ent_xa", "uni_xa", "uni_ak"):
        world.add(f"org_{key}", u[key].organisation)
    world.add("user_ent_ak", u["ent_ak"])
    # A registration the bureau has not verified yet: the object of verify / reject.
    world.add(
        "org_pending",
        OrganisationFactory(region=region("610100"), status=Organisation.Status.PENDING),
    )


def _projects(world: World) -> None:
    u = world.users
    rev = u["rev1"]
    call = world.add("call", pf.open_call(rev))
    world.add("category", call.lots.get(category__code=3).category, code=3)
    world.add("lot", pf.lot(call, 3))

    draft = project_services.application_create(actor=u["ent_ak"], lot=pf.lot(call, 2))
    world.add("app_draft", draft)
    content = pdf()
    attachment = project_services.attachment_add(
        actor=u["ent_ak"],
        application=draft,
        name="申报书.pdf",
        handle=io.BytesIO(content),
        size=len(content),
    )
    world.add("att_draft", attachment)

    world.add("app_submitted", pf.submitted(call, code=3, user=u["ent_xa"]))

    project = pf.scored(call, [70, 80, 90], code=3, actor=rev, user=u["ent_ak"])
    project = project_services.application_approve(
        actor=rev, application=project, amount=30 * pf.WAN
    )
    world.add("app_project", project)
    report = project_services.progress_report_submit(
        actor=u["ent_ak"], application=project, narrative="进展顺利", actuals={"transfers_in": 2}
    )
    world.add("report", report)

    for expert, key, accept in ((u["exp1"], "exp1", True), (u["exp2"], "exp2", False)):
        application = pf.submitted(call, code=3)
        project_services.application_pass(actor=rev, application=application)
        project_services.application_assign(actor=rev, application=application, experts=[expert])
        assignment = Assignment.objects.get(application=application, expert=expert)
        if accept:
            assignment = project_services.assignment_accept(actor=expert, assignment=assignment)
        world.add(f"app_{key}", application)
        world.add(f"asg_{key}", assignment)


def _patents(world: World) -> None:
    u = world.users
    pool_xa, pool_ak = u["uni_xa"].organisation, u["uni_ak"].organisation
    patent_xa = world.add(
        "patent_xa", PatentFactory(owner=pool_xa, serial=1, title="锂离子电池硅碳负极材料")
    )
    world.add("patent_ak", PatentFactory(owner=pool_ak, serial=2, title="富硒茶叶加工方法"))
    # Licensed to the enterprise in 西安: the event is the university's and the licensee's.
    licensed = PatentFactory(owner=pool_xa, serial=3, title="高熵合金涂层")
    conversion = patent_services.conversion_record(
        actor=u["uni_xa"],
        patent=licensed,
        kind="licence",
        data={
            "counterparty": u["ent_xa"].organisation,
            "licence_kind": "ordinary",
            "amount": Decimal("500000.00"),
            "starts_on": date(2025, 3, 1),
            "ends_on": date(2028, 2, 29),
        },
    )
    world.add("conversion", conversion)
    result = patent_services.patent_import_check(
        actor=u["uni_xa"],
        owner=pool_xa,
        handle=io.BytesIO(csv_bytes([good_row(4)])),
        name="list.csv",
        size=len(csv_bytes([good_row(4)])),
    )
    world.add("patent_import", result.patent_import)
    # The enterprise in 安康 posted a need; the pool suggested the 西安 university's patent.
    need = TechNeed.objects.create(
        organisation=u["ent_ak"].organisation,
        title="负极材料",
        description="提高电池负极比容量",
        cooperation=TechNeed.Cooperation.LICENCE,
        created_by=u["ent_ak"],
    )
    world.add("need", need)
    match = Match.objects.create(
        need=need, patent=patent_xa, rank=1, score=Decimal("0.8"), computed_at=timezone.now()
    )
    world.add("match", match)


def _evidence(actor: User, claim) -> None:
    content = pdf()
    for label in claim.policy.evidence:
        incentive_services.claim_attach(
            actor=actor,
            claim=claim,
            label=label,
            name="认定文件.pdf",
            handle=SimpleUploadedFile("认定文件.pdf", content),
            size=len(content),
        )


def _incentives(world: World) -> None:
    u = world.users
    today = date(2025, 6, 30)  # as in incentives/tests: inside the policies' windows
    ankang = Policy.objects.get(code="little-giant-ankang", is_active=True)
    province = Policy.objects.get(code="little-giant-province", is_active=True)
    world.add("policy", province)
    draft = incentive_services.claim_create(actor=u["ent_ak"], policy=ankang, data={}, today=today)
    _evidence(u["ent_ak"], draft)
    world.add("claim_draft", draft)
    world.add("claim_file", draft, pk=draft.pk, file_pk=draft.files.get().pk)
    submitted = incentive_services.claim_create(
        actor=u["ent_xa"], policy=province, data={}, today=today
    )
    _evidence(u["ent_xa"], submitted)
    submitted = incentive_services.claim_submit(actor=u["ent_xa"], claim=submitted, today=today)
    world.add("claim_submitted", submitted)
    budget = Budget.objects.create(
        policy_code=province.code, year=2025, region=province.region, allocated=Decimal(10**7)
    )
    world.add("budget", budget)


def _filled(stat_return) -> bytes:
    template = reporting_exporters.return_template(
        stat_return=stat_return,
        elements=reporting_selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
    )
    return fill(template, all_figures(stat_return.form))


def _store_all(actor: User, stat_return) -> None:
    content = _filled(stat_return)
    result = reporting_services.return_upload_check(
        actor=actor,
        stat_return=stat_return,
        handle=io.BytesIO(content),
        name="return.xlsx",
        size=len(content),
    )
    reporting_services.return_upload_apply(actor=actor, upload=result.upload)


def _reporting(world: World) -> None:
    u = world.users
    form = ReturnForm.objects.get(code="QUARTERLY")
    world.add("return_form", form, code=form.code)
    ankang, xian = region("610900"), region("610100")
    world.add("region_ak", ankang, code=ankang.code)
    world.add("region_xa", xian, code=xian.code)

    indicator = Indicator.objects.order_by("sort", "pk").first()
    world.add("indicator", indicator, code=indicator.code)
    for key, where in (("ak", ankang), ("xa", xian)):
        target = Target.objects.create(
            indicator=indicator,
            region=where,
            deadline=date(2025, 12, 31),
            target_value=Decimal(100),
            baseline_date=date(2023, 1, 1),
            source="access matrix",
        )
        world.add(f"target_{key}", target)

    approved = reporting_services.return_open(
        actor=u["city_ak"], form=form, region=ankang, period=OLD_PERIOD
    )
    _store_all(u["city_ak"], approved)
    reporting_services.return_submit(actor=u["city_ak"], stat_return=approved)
    approved = reporting_services.return_approve(actor=u["rev1"], stat_return=approved)
    world.add("return_approved", approved)

    draft = reporting_services.return_open(
        actor=u["city_ak"], form=form, region=ankang, period=PERIOD
    )
    _store_all(u["city_ak"], draft)
    world.add("return_ak", draft)
    world.add("upload_ak", draft.uploads.get())
    world.files["workbook"] = _filled(draft)
    world.files["element"] = reporting_selectors.form_elements(form)[0].code

    submitted = reporting_services.return_open(
        actor=u["city_xa"], form=form, region=xian, period=PERIOD
    )
    _store_all(u["city_xa"], submitted)
    submitted = reporting_services.return_submit(actor=u["city_xa"], stat_return=submitted)
    world.add("return_xa", submitted)


def _progress(world: World) -> None:
    u = world.users
    ankang, xian = world.objects["region_ak"], world.objects["region_xa"]
    world.add("value_ak", DataValue.objects.filter(region=ankang).order_by("pk").first())
    world.add("value_xa", DataValue.objects.filter(region=xian).order_by("pk").first())
    for key in ("ak", "xa"):
        target = world.objects[f"target_{key}"]
        snapshot, _ = ProgressSnapshot.objects.get_or_create(
            target=target,
            period=OLD_PERIOD,
            defaults={
                "expected": Decimal(50),
                "status": ProgressSnapshot.Status.NO_DATA,
                "computed_at": timezone.now(),
            },
        )
        world.add(f"progress_{key}", snapshot)

    job = reporting_services.export_request(
        actor=u["city_ak"], kind="dashboard", params={"region": ankang.code, "period": ""}
    )
    world.add("export_job", job)
    element = DataElement.objects.order_by("pk").first()
    world.add("element", element)
    world.add("element_code", element, code=element.code)
    world.add("rule", ValidationRule.objects.order_by("pk").first())


def _exchange(world: World) -> None:
    u = world.users
    qualifications = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    world.add("mapping_import", qualifications)
    world.add(
        "mapping_batch", Mapping.objects.get(code="stock-patent-registration", is_active=True)
    )
    world.add(
        "mapping_records", Mapping.objects.get(code="transfer-licence-records", is_active=True)
    )
    organisation = u["ent_ak"].organisation
    content = published([[organisation.name, organisation.credit_code, "安康市", 2025]])
    result = exchange_services.import_check(
        actor=u["rev1"],
        mapping=qualifications,
        handle=io.BytesIO(content),
        name="名单.xlsx",
        size=len(content),
    )
    world.add("run", result.run)


def _portal(world: World) -> None:
    from portal.models import Notification

    # Another user's notification: nobody else marks it read.
    note = Notification.objects.filter(recipient=world.users["ent_xa"]).order_by("pk").first()
    assert note is not None and note.read_at is None
    world.add("notification_ent_xa", note)
