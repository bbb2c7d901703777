"""What every part of the benchmark dataset shares: sizes, the database, markers, organisations.

The dataset lives in its own PostgreSQL database per size (`bench_province`, `bench_tenth`, ...)
on the server of BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), so
that a dashboard can be measured on the whole province and on a tenth of it side by side in one
run. A part is generated once and then reused: a row in the table `bench_dataset` records that
the part is complete for that database (delete it, or pass --fresh, to regenerate).

Call `configure(size)` before importing any model: it points Django at the size's database.
"""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Full "province" size (issue 9); other sizes scale every count by their factor.
FULL = {
    "counties": 107,  # county-level units; the seed has some, the rest are added
    "universities": 60,  # universities and research institutes owning the pool
    "enterprises": 20_000,
    "patents": 200_000,
    "needs": 5_000,
    "applications": 10_000,  # over three calls
    "calls": 3,
    "scores_per_application": 5,
    "claims": 20_000,
    "years": 8,  # of quarterly returns; every reporting unit (13 + 107 counties)
    "elements": 30,  # data elements per return
}
SIZES = {"province": 1.0, "tenth": 0.1, "small": 0.01}
DATASET_VERSION = 1  # bump when a part's contents change, so stored datasets are regenerated


@dataclass(frozen=True)
class Scale:
    name: str
    factor: float

    def n(self, key: str) -> int:
        """The count of `key` at this size. Calls, years and elements do not scale."""
        full = FULL[key]
        if key in {"calls", "scores_per_application", "years", "elements"}:
            return full
        return max(1, round(full * self.factor))

    @property
    def database(self) -> str:
        return f"bench_{self.name}"


def scale_for(size: str) -> Scale:
    if size not in SIZES:
        raise SystemExit(f"unknown size {size!r}: choose one of {', '.join(SIZES)}")
    return Scale(size, SIZES[size])


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(scale: Scale) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{scale.database}"))


def configure(size: str) -> Scale:
    """Point Django at the size's database (created if missing) and set it up. Call first."""
    scale = scale_for(size)
    _create_database(scale)
    os.environ["DATABASE_URL"] = database_url(scale)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    Path(os.environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    # Celery runs in-process unless a benchmark starts a real worker and sets the broker itself.
    import django

    django.setup()
    return scale


def _create_database(scale: Scale) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [scale.database]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{scale.database}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset ("
            " part varchar(64) PRIMARY KEY, version integer NOT NULL,"
            " seconds double precision NOT NULL, done_at timestamptz NOT NULL DEFAULT now())"
        )


def is_done(part: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM bench_dataset WHERE part = %s", [part])
        row = cursor.fetchone()
    return bool(row) and row[0] == DATASET_VERSION


@contextmanager
def part(name: str, *, fresh: bool = False) -> Iterator[bool]:
    """`with part("patents") as todo: if todo: ...`: todo is False when already generated.

    The part's rows and its marker are written in one transaction: an interrupted generation
    leaves nothing behind, and the next run starts the part again.
    """
    from django.db import connection, transaction

    if is_done(name) and not fresh:
        print(f"  {name}: already generated")
        yield False
        return
    started = time.perf_counter()
    with transaction.atomic():
        yield True
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_dataset (part, version, seconds) VALUES (%s, %s, %s)"
                " ON CONFLICT (part) DO UPDATE SET version = EXCLUDED.version,"
                " seconds = EXCLUDED.seconds, done_at = now()",
                [name, DATASET_VERSION, seconds],
            )
    print(f"  {name}: generated in {seconds:.1f} s")


def credit_code(serial: int, *, department: str = "9", category: str = "1") -> str:
    """A valid, unique unified social credit code for the n-th generated organisation."""
    from portal.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_character

    body = ""
    value = serial
    for _ in range(9):
        value, digit = divmod(value, len(CREDIT_CODE_ALPHABET))
        body = CREDIT_CODE_ALPHABET[digit] + body
    first17 = f"{department}{category}610000{body}"
    return first17 + credit_code_check_character(first17)


def units():
    """The reporting units' regions: cities (incl. units with internal codes) and counties."""
    from portal.models import Region

    return list(Region.objects.exclude(level=Region.Level.PROVINCE).order_by("path"))


def cities():
    from portal.models import Region

    return list(Region.objects.filter(level=Region.Level.CITY).order_by("path"))


def generate_regions(scale: Scale, *, fresh: bool = False) -> None:
    """Counties up to the size's count (107 for the province): the seed holds the 12 cities and
    only some counties; the missing ones are added under the cities in turn, with internal codes
    (`61xx9n`) and names saying they are generated."""
    from portal.models import Region

    with part("regions", fresh=fresh) as todo:
        if not todo:
            return
        have = Region.objects.filter(level=Region.Level.COUNTY).count()
        parents = [city for city in cities() if not city.is_internal_code] or cities()
        serial = 0
        while have < scale.n("counties"):
            city = parents[serial % len(parents)]
            code = f"{city.code[:4]}{90 + serial // len(parents):02d}"
            serial += 1
            if Region.objects.filter(code=code).exists():
                continue
            Region.objects.create(
                code=code,
                name=f"{city.name}基准县{serial:03d}",
                level=Region.Level.COUNTY,
                parent=city,
                is_internal_code=True,
                source="bench/data/base.py (generated for benchmarks)",
            )
            have += 1


def generate_organisations(scale: Scale, *, fresh: bool = False) -> None:
    """60 universities and institutes, 20,000 enterprises (scaled), spread over the counties.

    Names carry the serial (`高校0001`, `企业00001`) so other parts find them by kind and order.
    Every organisation is verified.
    """
    from portal.models import Organisation, Region

    with part("organisations", fresh=fresh) as todo:
        if not todo:
            return
        counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("path"))
        places = counties or cities()
        rows = []
        for serial in range(scale.n("universities")):
            kind = (
                Organisation.Kind.UNIVERSITY if serial % 3 else Organisation.Kind.RESEARCH_INSTITUTE
            )
            label = "大学" if kind == Organisation.Kind.UNIVERSITY else "研究院"
            rows.append(
                Organisation(
                    name=f"陕西第{serial + 1:04d}{label}",
                    credit_code=credit_code(serial, department="1", category="2"),
                    kind=kind,
                    region=places[serial % len(places)],
                    status=Organisation.Status.VERIFIED,
                )
            )
        for serial in range(scale.n("enterprises")):
            rows.append(
                Organisation(
                    name=f"秦创企业{serial + 1:05d}有限公司",
                    credit_code=credit_code(1_000_000 + serial),
                    kind=Organisation.Kind.ENTERPRISE,
                    region=places[(serial * 7) % len(places)],
                    status=Organisation.Status.VERIFIED,
                )
            )
        Organisation.objects.bulk_create(rows, batch_size=2000)


def universities():
    from portal.models import Organisation

    return Organisation.objects.filter(
        kind__in=[Organisation.Kind.UNIVERSITY, Organisation.Kind.RESEARCH_INSTITUTE],
        name__startswith="陕西第",
    ).order_by("name")


def enterprises():
    from portal.models import Organisation

    return Organisation.objects.filter(
        kind=Organisation.Kind.ENTERPRISE, name__startswith="秦创企业"
    ).order_by("name")
