"""Users of the benchmark dataset: a few per role, a city agency per reporting unit, and one
applicant for every generated university, institute and enterprise.

User names start with `bench_` so they never meet the demo's. No account has a usable password:
benchmarks sign in with `force_login` or a session they create (bench/pages.py). Every account
is created with its password age reset, so PASSWORD_MAX_AGE_DAYS does not redirect it; a
benchmark that runs long after the dataset was generated calls `refresh()` first.
"""

from bench.data.base import Scale, part, units

REVIEWERS = 3
LEADERS = 2


def generate(scale: Scale, *, fresh: bool = False) -> None:
    from django.contrib.auth.hashers import make_password

    from bench.data.base import enterprises, universities
    from portal.models import Role, User

    with part("users", fresh=fresh) as todo:
        if not todo:
            return
        password = make_password(None)  # unusable, the same for all: hashing once is enough
        rows = [
            User(username=f"bench_reviewer{n}", name=f"审核员{n}", role=Role.REVIEWER)
            for n in range(1, REVIEWERS + 1)
        ]
        rows += [
            User(username=f"bench_leader{n}", name=f"领导{n}", role=Role.LEADER)
            for n in range(1, LEADERS + 1)
        ]
        rows += [
            User(
                username=f"bench_agency_{region.code}",
                name=f"{region.name}填报员",
                role=Role.CITY_AGENCY,
                region=region,
            )
            for region in units()
        ]
        organisations = list(universities().only("pk", "credit_code", "name")) + list(
            enterprises().only("pk", "credit_code", "name")
        )
        rows += [
            User(
                username=applicant_username(org.credit_code),
                name=f"{org.name[:20]}联系人",
                role=Role.APPLICANT,
                organisation=org,
            )
            for org in organisations
        ]
        for user in rows:
            user.password = password
            user.email = f"{user.username}@bench.invalid"
        User.objects.bulk_create(rows, batch_size=2000)


def applicant_username(credit_code: str) -> str:
    return f"bench_{credit_code}"


def reviewer():
    from portal.models import User

    return User.objects.get(username="bench_reviewer1")


def leader():
    from portal.models import User

    return User.objects.get(username="bench_leader1")


def agent(region_code: str):
    """The city agency user of a reporting unit (a city or a county)."""
    from portal.models import User

    return User.objects.get(username=f"bench_agency_{region_code}")


def applicants() -> dict[int, object]:
    """organisation id → its bench applicant (for every organisation that has one)."""
    from portal.models import Role, User

    return {
        user.organisation_id: user
        for user in User.objects.filter(role=Role.APPLICANT, username__startswith="bench_")
    }


def refresh() -> None:
    """Make the bench accounts usable now: active, password age reset, recently logged in
    (the nightly dormant-account task and PASSWORD_MAX_AGE_DAYS must not lock them out of a
    benchmark run months after the dataset was generated)."""
    from django.utils import timezone

    from portal.models import User

    now = timezone.now()
    User.objects.filter(username__startswith="bench_").update(
        is_active=True, password_changed_at=now, last_login=now
    )
