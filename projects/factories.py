"""Builders of project states for tests. They go through the services, so a test starts from
states the portal itself can reach, never from rows it could not have written."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from portal.factories import (
    ApplicantFactory,
    OrganisationFactory,
    QualificationFactory,
    UserFactory,
    region,
)
from portal.models import Organisation, Qualification, Role
from projects import services
from projects.models import Application, Assignment, Call, CallCategory, Category, ExpertProfile

WAN = Decimal(10_000)
# Twelve valid invention / utility-model application numbers (check characters computed).
PATENTS = [
    "202110182616.5",
    "202311397827.6",
    "202010000001.1",
    "202010000002.6",
    "202010000003.0",
    "202020000001.7",
    "202020000002.1",
    "202020000003.6",
    "202020000004.0",
    "202020000005.5",
    "202110000001.6",
    "202120000001.1",
]


def reviewer(**kwargs):
    return UserFactory(role=Role.REVIEWER, **kwargs)


def expert(field: str = ExpertProfile.Field.EQUIPMENT, organisation=None, **kwargs):
    user = UserFactory.create(role=Role.EXPERT, organisation=organisation, **kwargs)
    ExpertProfile.objects.create(user=user, field=field)
    return user


def experts(count: int, fields=None):
    fields = fields or [choice for choice, _label in ExpertProfile.Field.choices]
    return [expert(field=fields[index % len(fields)]) for index in range(count)]


def applicant(kind: str = Organisation.Kind.ENTERPRISE, region_code: str = "610902", **org):
    organisation = OrganisationFactory(kind=kind, region=region(region_code), **org)
    return ApplicantFactory(organisation=organisation)


def listing_reserve(organisation, year: int = 2023):
    return QualificationFactory(
        organisation=organisation,
        kind=Qualification.Kind.LISTING_RESERVE,
        year=year,
        source="陕西省2023年重点上市后备企业名单",
    )


def open_call(
    actor=None,
    categories=(1, 2, 3, 4, 5, 6),
    budget: Decimal = 500 * WAN,
    year: int = 2026,
    opens_in: timedelta = timedelta(days=-1),
    length: timedelta = timedelta(days=30),
) -> Call:
    actor = actor or reviewer()
    opens_at = timezone.now() + opens_in
    return services.call_create(
        actor=actor,
        data={
            "year": year,
            "title": f"{year}年度专利转化专项计划",
            "opens_at": opens_at,
            "closes_at": opens_at + length,
        },
        lots=[
            services.LotInput(
                category=Category.objects.get(code=code), budget=budget, expected_projects=5
            )
            for code in categories
        ],
    )


def lot(call: Call, code: int) -> CallCategory:
    return call.lots.get(category__code=code)


def complete(application: Application, *, actor, amount: Decimal = 40 * WAN, **data) -> Application:
    """Fill every field submission checks, with the KPI minimums and baselines."""
    fields = {
        "title": "专利运营赋能示范项目",
        "summary": "围绕主导产品开展专利导航、转化承接与高价值专利培育。",
        "requested_amount": amount,
        "contact_name": "张三",
        "contact_phone": "029-88888888",
        "narrative": {key: f"{label}：详见附件。" for key, label in services.NARRATIVE_SECTIONS},
        **data,
    }
    if application.spec.get("subtypes") and "subtype" not in fields:
        fields["subtype"] = application.spec["subtypes"][0]
    kpis = {
        kpi.code: {"committed": kpi.minimum, "baseline": Decimal(100) if kpi.is_growth else None}
        for kpi in application.kpis.all()
    }
    patents = PATENTS if application.spec.get("code") == 3 else None
    return services.application_update(
        actor=actor, application=application, data=fields, kpis=kpis, patents=patents
    )


def submitted(call: Call, code: int = 3, user=None, **data) -> Application:
    """An application of category `code` submitted by an eligible applicant."""
    kinds = {1: "park", 2: "enterprise", 3: "enterprise", 4: "agency", 5: "government", 6: "park"}
    user = user or applicant(kind=kinds[code], region_code="610921" if code == 6 else "610902")
    if code == 3:
        listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=lot(call, code))
    complete(application, actor=user, **data)
    return services.application_submit(actor=user, application=application)


def scored(call: Call, totals, code: int = 3, actor=None, **data) -> Application:
    """Submitted, passed and scored by len(totals) experts, each giving the total shown."""
    actor = actor or reviewer()
    application = submitted(call, code, **data)
    services.application_pass(actor=actor, application=application)
    panel = experts(len(totals))
    services.application_assign(actor=actor, application=application, experts=panel)
    for assignment, total in zip(
        Assignment.objects.filter(application=application).order_by("pk"), totals, strict=True
    ):
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
        services.score_submit(
            actor=assignment.expert, assignment=assignment, points=points_for(application, total)
        )
    application.refresh_from_db()
    return application


def points_for(application: Application, total) -> dict[str, Decimal]:
    """Split `total` over the rubric, filling criteria in order up to each weight."""
    remaining = Decimal(total)
    points = {}
    for criterion in application.spec["criteria"]:
        give = min(Decimal(criterion["weight"]), remaining)
        points[criterion["code"]] = give
        remaining -= give
    if remaining:
        raise ValueError(f"total above 100: {remaining} left over")
    return points
