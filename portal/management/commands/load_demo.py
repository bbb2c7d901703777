"""Demo organisations, one account per role and demo projects, for a newcomer's first run.

Besides one account per role (`USERS`), the applicants and the expert panel of the demo projects
(`MORE_USERS`) get accounts; the projects themselves (an open call with applications in every
state, and last year's call with its projects) are built by projects/demo.py, the patent pool
(about 3,000 patents, the demo enterprise's needs and suggestions, conversion events) by
patents/demo.py, the incentive budgets and claims by incentives/demo.py, and the statistics by
reporting/demo.py.

Idempotent: existing rows (matched by credit code and user name; projects as projects/demo.py
says) are left as they are, so a second run adds nothing twice. Refuses to run with DEBUG off
unless told this is not production: demo accounts share a known password and must never exist
in production.
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from exchange.models import Mapping
from exchange.seeds import seed_mappings
from incentives import demo as incentives_demo
from incentives.models import Policy
from incentives.seeds import seed_policies
from patents import demo as patents_demo
from portal import services
from portal.identifiers import credit_code_check_character
from portal.models import Organisation, Qualification, Region, RegionCodeAlias, Role, User
from portal.seeds import seed_regions
from projects import demo as projects_demo
from projects.models import Application
from reporting import demo as reporting_demo


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


class Command(BaseCommand):
    help = "Load demo organisations, demo accounts and demo projects (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--not-production",
            action="store_true",
            help="Allow loading with DEBUG off (tests, staging). Never in production.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "Demo accounts share a known password. Run with DEBUG=1, or pass "
                "--not-production on a machine that is not production."
            )
        # The demo's transitions notify their (invented) recipients: inbox rows, no e-mail.
        with services.emails_suppressed():
            organisations, regions, created = self.load()
        self.stdout.write(f"Demo data: {created} rows created.")
        self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD}):")
        for username, name, role, org_key, region_code in USERS + MORE_USERS:
            scope = (
                organisations[org_key].name
                if org_key
                else (regions[region_code].name if region_code else "")
            )
            self.stdout.write(f"  {username:<11} {Role(role).label!s:<10} {name} {scope}")
        self.stdout.write("Demo applications by status:")
        for status, count in projects_demo.status_counts().items():
            label = Application.Status(status).label
            self.stdout.write(f"  {status:<21} {count:>3}  {label}")

    @transaction.atomic
    def load(self):
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
        for key, kind, year, recognised_on, source in QUALIFICATIONS:
            if not Qualification.objects.filter(
                organisation=organisations[key], kind=kind, year=year
            ).exists():
                services.qualification_add(
                    actor=None,
                    organisation=organisations[key],
                    kind=kind,
                    year=year,
                    recognised_on=recognised_on,
                    source=source,
                )
                created += 1
        for username, name, role, org_key, region_code in USERS + MORE_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                name=name,
                role=role,
                email=f"{username}@demo.invalid",
                organisation=organisations.get(org_key),
                region=regions.get(region_code),
            )
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
            services.audit_record(
                actor=None, actor_label="load_demo", event="demo.user_create", target=user
            )
            created += 1
        created += projects_demo.load(organisations=organisations)
        # Before the statistics: their first progress computation counts the pool.
        created += patents_demo.load(organisations=organisations)
        # Policies are seeded by migration; re-applied here after a test flush. Before the
        # statistics too: their progress computation counts the incentive payments.
        created += seed_policies(Policy, Region)
        created += seed_mappings(Mapping)
        # Claims keep their working as computed, in the portal's language.
        with translation.override(settings.LANGUAGE_CODE):
            created += incentives_demo.load(organisations=organisations)
        created += reporting_demo.load()
        return organisations, regions, created
