"""Generate the benchmark dataset of one size in its own PostgreSQL database.

    .venv/bin/python bench/generate.py [--size province|tenth|small] [--fresh]

Points Django at `bench_<size>` (bench/data/base.py), migrates it, then generates each part once:
regions, organisations, users, then the parts of bench/data/ in order (reporting, patents,
projects, incentives; a module not written yet is skipped). A part already generated is reused
(the table `bench_dataset` records it); `--fresh` drops the database and starts again. Prints
the rows of every table at the end.

Benchmarks call `ensure(size)` to get a complete dataset before they measure.
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.data import base  # noqa: E402

# Data parts after the organisations and users, in order. Each is bench/data/<name>.py with
# `generate(scale, *, fresh=False)`.
PARTS = ["reporting", "patents", "projects", "incentives"]


def drop_database(size: str) -> None:
    """Remove the size's database (used by --fresh): every part is generated again."""
    import psycopg

    scale = base.scale_for(size)
    with psycopg.connect(base.server_url(), autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [scale.database],
        )
        connection.execute(f'DROP DATABASE IF EXISTS "{scale.database}"')


def ensure(size: str, *, fresh: bool = False, quiet: bool = False) -> base.Scale:
    """Configure Django for the size and generate whatever part is missing."""
    if fresh:
        drop_database(size)
    scale = base.configure(size)
    started = time.perf_counter()
    say = (lambda *args: None) if quiet else print
    say(f"dataset {scale.name} (factor {scale.factor:g}) in database {scale.database}")
    base.migrate()
    base.generate_regions(scale)
    base.generate_organisations(scale)
    from bench.data import users

    users.generate(scale)
    for name in PARTS:
        try:
            module = importlib.import_module(f"bench.data.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.data.{name}":
                raise
            say(f"  {name}: bench/data/{name}.py does not exist yet, skipped")
            continue
        module.generate(scale)
    # The reporting part computed progress before patents, projects and incentives existed:
    # compute it again with every portal-fed figure, as the nightly recompute would.
    with base.part("progress") as todo:
        if todo:
            from reporting.compute import recompute

            recompute()
    # What autovacuum does some time after a load: statistics for the planner, and the
    # visibility map that lets index-only scans skip the table. A benchmark run just after
    # generating must not measure plans made for empty tables. (Quick when nothing changed.)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    say(f"dataset ready in {time.perf_counter() - started:.1f} s")
    return scale


def table_counts() -> list[tuple[str, int]]:
    """Exact row counts of every table of the portal's apps that holds rows."""
    from django.apps import apps
    from django.db import connection

    counts = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.app_label not in {
                "portal",
                "projects",
                "patents",
                "incentives",
                "reporting",
                "exchange",
            }:
                continue
            table = model._meta.db_table
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (a model's table)
            counts.append((table, cursor.fetchone()[0]))
    return sorted(counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="province", choices=list(base.SIZES))
    parser.add_argument("--fresh", action="store_true", help="drop the database and regenerate")
    args = parser.parse_args(argv)
    ensure(args.size, fresh=args.fresh)
    print(f"\n{'table':<44} {'rows':>12}")
    for table, rows in table_counts():
        if rows:
            print(f"{table:<44} {rows:>12,}")


if __name__ == "__main__":
    main()
