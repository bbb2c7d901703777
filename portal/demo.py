"""Demo organisations, their qualifications and the demo accounts, for a newcomer's first run.

`manage.py load_demo` (demo/management/commands/load_demo.py) loads these first; the other apps'
demo.py modules build on them (patents/demo.py and incentives/demo.py look the organisations up
by the credit codes below). Besides one account per role (`USERS`), the applicants and the expert
panel of the demo projects (`MORE_USERS`) get accounts, all with `settings.DEMO_PASSWORD`.

Idempotent: existing rows (matched by credit code and user name) are left as they are.
"""

from datetime import date, datetime, time

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal import events, services, workflow
from portal.identifiers import credit_code_check_character
from portal.models import Organisation, Qualification, Region, RegionCodeAlias, Role, User
from portal.organisation_workflow import ORGANISATION
from portal.seeds import seed_regions


def latest_moment(today: date) -> datetime:
    """The latest moment demo data may be dated when loaded on `today`: now, when `today` is
    today; otherwise the end of that day (a load given another day)."""
    now = timezone.now()
    if timezone.localdate(now) == today:
        return now
    return datetime.combine(today, time(23, 59), tzinfo=timezone.get_current_timezone())


def demo_credit_code(body17: str) -> str:
    """A well-formed credit code for a fictional demo organisation."""
    return body17 + credit_code_check_character(body17)


# (key, name, kind, region code, first 17 characters of the credit code)
ORGANISATIONS = [
    (
        "enterprise",
        "安康示范富硒科技有限公司（演示）",
        Organisation.Kind.ENTERPRISE,
        "610902",
        "91610902MA7DEM001",
    ),
    (
        "university",
        "陕西示范理工大学（演示）",
        Organisation.Kind.UNIVERSITY,
        "610100",
        "12610000DEM000001",
    ),
    (
        "park",
        "安康高新技术产业开发区管理委员会（演示）",
        Organisation.Kind.PARK_COMMITTEE,
        "610900",
        "11610900DEM000002",
    ),
    (
        "agency",
        "陕西示范知识产权运营服务有限公司（演示）",
        Organisation.Kind.SERVICE_AGENCY,
        "610100",
        "91610100MA6DEM003",
    ),
    (
        "county",
        "汉阴县工业集中区管理委员会（演示）",
        Organisation.Kind.PARK_COMMITTEE,
        "610921",
        "11610921DEM000004",
    ),
    (
        "government",
        "安康市市场监督管理局（知识产权局）（演示）",
        Organisation.Kind.GOVERNMENT,
        "610900",
        "11610900DEM000005",
    ),
    (
        "institute",
        "陕西示范新材料研究院（演示）",
        Organisation.Kind.RESEARCH_INSTITUTE,
        "610100",
        "12610000DEM000006",
    ),
]

QUALIFICATIONS = [
    (
        "enterprise",
        Qualification.Kind.SPECIALISED_PROVINCIAL,
        2024,
        date(2024, 6, 28),
        "陕西省2024年专精特新中小企业名单（演示数据）",
    ),
    (
        "enterprise",
        Qualification.Kind.LISTING_RESERVE,
        2023,
        date(2023, 5, 10),
        "陕西省2023年重点上市后备企业名单（演示数据）",
    ),
    (
        "university",
        Qualification.Kind.INNOVATION_CENTRE_PROVINCIAL,
        2022,
        date(2022, 11, 1),
        "陕西省重点实验室认定（演示数据）",
    ),
]

# (user name, full name, role, organisation key, region code)
USERS = [
    ("enterprise", "王企业", Role.APPLICANT, "enterprise", None),
    ("university", "李高校", Role.APPLICANT, "university", None),
    ("reviewer", "张审核", Role.REVIEWER, None, None),
    ("expert", "赵专家", Role.EXPERT, None, None),
    ("ankang", "陈安康", Role.CITY_AGENCY, None, "610900"),
    ("leader", "刘领导", Role.LEADER, None, None),
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, None, None),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, None, None),
    ("auditadmin", "审计管理员", Role.AUDIT_ADMIN, None, None),
]

# Further demo accounts, same shape: the applicants of the demo projects and the rest of an
# expert panel (five scores, so the highest and lowest are dropped). Experts in an organisation
# are never assigned to its applications.
MORE_USERS = [
    ("park", "冯园区", Role.APPLICANT, "park", None),
    ("agency", "褚服务", Role.APPLICANT, "agency", None),
    ("county", "卫县域", Role.APPLICANT, "county", None),
    ("government", "蒋政务", Role.APPLICANT, "government", None),
    ("expert2", "钱专家", Role.EXPERT, "university", None),
    ("expert3", "孙专家", Role.EXPERT, None, None),
    ("expert4", "周专家", Role.EXPERT, "institute", None),
    ("expert5", "吴专家", Role.EXPERT, None, None),
    ("expert6", "郑专家", Role.EXPERT, None, None),
]


def load() -> tuple[dict[str, Organisation], dict[str, Region], int]:
    """Create the missing regions, organisations, qualifications and accounts.

    Returns the organisations by key, the regions by code and the number of rows created.
    """
    seed_regions(Region, RegionCodeAlias)  # present after migrate; re-applied after a flush
    regions = {region.code: region for region in Region.objects.all()}
    organisations = {}
    created = 0
    for key, name, kind, region_code, body in ORGANISATIONS:
        org, made = Organisation.objects.get_or_create(
            credit_code=demo_credit_code(body),
            defaults={
                "name": name,
                "kind": kind,
                "region": regions[region_code],
                "status": Organisation.Status.VERIFIED,
                "contact_name": "演示联系人",
            },
        )
        organisations[key] = org
        created += made
        if made:  # verified when the demo was set up: its history says so
            workflow.backfill(ORGANISATION, [(org, "verify", None, org.created_at, "")])
    for key, qualification, year, recognised_on, source in QUALIFICATIONS:
        if not Qualification.objects.filter(
            organisation=organisations[key], kind=qualification, year=year
        ).exists():
            services.qualification_add(
                actor=None,
                organisation=organisations[key],
                kind=qualification,
                year=year,
                recognised_on=recognised_on,
                source=source,
            )
            created += 1
    taken = set(User.objects.values_list("username", flat=True))
    hashed = None  # one hash for all: they share the password, and each costs a quarter second
    for username, full_name, role, org_key, user_region in USERS + MORE_USERS:
        if username in taken:
            continue
        user = User(
            username=username,
            name=full_name,
            role=role,
            email=f"{username}@demo.invalid",
            organisation=organisations.get(org_key) if org_key is not None else None,
            region=regions.get(user_region) if user_region is not None else None,
        )
        hashed = hashed or make_password(settings.DEMO_PASSWORD)
        user.password = hashed
        user.save()
        # What set_password() has saving do: the password history and its date.
        password_validation.password_changed(settings.DEMO_PASSWORD, user)
        services.audit_record(
            actor=None, actor_label="load_demo", event=events.DEMO_USER_CREATE, target=user
        )
        created += 1
    return organisations, regions, created
