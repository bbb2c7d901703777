"""Benchmark: progress recompute (full and incremental) and the statistics upload (issue 9).

    .venv/bin/python bench/reporting.py [--size province|tenth|small] [--only recompute,...]

Runs on the size's benchmark database (bench_<size>, generated first when missing: 8 years of
approved quarterly returns for every reporting unit, the patent pool, projects, incentives).

1. recompute: the portal's full recompute of every indicator value and progress snapshot
   (`reporting.compute.recompute()`, what the nightly `recompute_all` task runs), against one SQL
   aggregate (a single GROUP BY statement) over the same rows: every cell of every approved
   return and every row of the portal data the indicators count (patents of the pool,
   conversions, payments, project events). Goal: the recompute within 3× the aggregate.
   Each timed recompute starts from vacuumed tables, as after autovacuum: a recompute replaces
   every row, and runs following each other at once would each inherit the last one's dead rows.
2. incremental: a real Celery worker (`celery -A config worker`, a subprocess) on Redis db 12.
   A city's latest approved return is corrected (a stock figure + 1), submitted, then approved
   through `services.return_approve`; the time runs from the approval until the dashboard
   selector (`reporting.selectors.dashboard`, what the page shows) returns the new figure for
   the city and for the province. Repeated `--repeat` times: median and max. Goal: < 2 s.
3. upload: one return's workbook (the template the portal hands a city, filled in) through the
   dry run (`return_upload_check`) and the commit (`return_upload_apply`): seconds (the best of
   rounds that run the three in turn: milliseconds each, easily disturbed by a busy machine)
   and peak memory (tracemalloc, measured in separate runs), against openpyxl reading the same
   file and nothing else (read-only mode, every cell's value). Goal: within 3× the raw read.
   Then the same for returns of more rows (the form with 10× and 100× the data elements) and for one
   with 5,000 formatted but empty rows below its table, to show how memory follows the rows.
   Each upload runs in a transaction rolled back at the end: the dataset keeps nothing of it.
"""

import argparse
import gc
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BROKER = os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
RECOMPUTE_GOAL = 3.0
INCREMENTAL_GOAL = 2.0
UPLOAD_GOAL = 3.0
CITY = "610700"  # 汉中市: the city whose return is corrected and approved
CODE = "VALID_INVENTION"  # the stock figure the correction raises (a stock may only grow)
COUNTY_OF = "610900"  # the upload is a county's return: the first county of 安康市
BIGGER = (220, 2200)  # rows (data elements) of the bigger returns uploaded for memory
PADDING = 5000  # formatted empty rows below the table of the last workbook measured


class Rollback(Exception):
    """Raised to leave a transaction without keeping anything."""


def timed(call, repeat: int) -> tuple[float, object]:
    """The median seconds of `repeat` runs of `call`, and the last run's result."""
    seconds, result = [], None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def peak(call) -> tuple[float, object]:
    """Peak memory (MB) Python allocated while `call` ran, above what was held before."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = call()
        top = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (top - before) / 1e6, result


def verdict(ratio: float, goal: float) -> str:
    return f"{ratio:5.2f}× (goal ≤ {goal:g}×: {'met' if ratio <= goal else 'MISSED'})"


# 1. Full recompute -------------------------------------------------------------------------


def aggregate_sql() -> str:
    """One GROUP BY over every row the recompute reads: the cells of the approved returns'
    snapshots, the unconverted valid patents of the pool (by filing and screening quarter), the
    conversions (at the owner's and at the counterparty's region), the payments and the
    project events, each summed by source, region and quarter."""
    from incentives.models import Claim, Payment
    from patents.models import Conversion, Patent
    from portal.models import Organisation
    from projects.models import Application, ApplicationEvent
    from reporting.models import StatReturn

    t = {
        m.__name__: m._meta.db_table
        for m in (
            StatReturn, Patent, Conversion, Organisation, Payment, Claim, Application,
            ApplicationEvent,
        )
    }  # fmt: skip
    quarter = "date_trunc('quarter', {})"
    local = "date_trunc('quarter', {} AT TIME ZONE current_setting('TimeZone'))"
    return f"""
        SELECT source, code, region_id, quarter, count(*), sum(value) FROM (
            SELECT 'return' AS source, cell.key AS code, r.region_id, r.period AS quarter,
                   (cell.value ->> 'value')::numeric AS value
              FROM {t["StatReturn"]} r, jsonb_each(r.snapshot) cell
             WHERE r.status = 'approved'
            UNION ALL
            SELECT 'pool', coalesce({local.format("p.screened_at")}::text, ''), o.region_id,
                   {quarter.format("p.filed_on")}::text, 1
              FROM {t["Patent"]} p JOIN {t["Organisation"]} o ON o.id = p.owner_id
             WHERE p.status = 'valid' AND NOT p.converted
            UNION ALL
            SELECT 'conversion', c.kind, o.region_id, {quarter.format("c.starts_on")}::text,
                   c.amount
              FROM {t["Conversion"]} c JOIN {t["Patent"]} p ON p.id = c.patent_id
              JOIN {t["Organisation"]} o ON o.id = p.owner_id
             WHERE c.amount IS NOT NULL
            UNION ALL
            SELECT 'uptake', c.kind, o.region_id, {quarter.format("c.starts_on")}::text,
                   c.amount
              FROM {t["Conversion"]} c JOIN {t["Organisation"]} o ON o.id = c.counterparty_id
             WHERE c.amount IS NOT NULL
            UNION ALL
            SELECT 'paid', '', o.region_id, {quarter.format("pay.paid_on")}::text, pay.amount
              FROM {t["Payment"]} pay JOIN {t["Claim"]} cl ON cl.id = pay.claim_id
              JOIN {t["Organisation"]} o ON o.id = cl.organisation_id
            UNION ALL
            SELECT 'project', e.action, o.region_id, {local.format("e.at")}::text, 1
              FROM {t["ApplicationEvent"]} e JOIN {t["Application"]} a ON a.id = e.application_id
              JOIN {t["Organisation"]} o ON o.id = a.lead_organisation_id
             WHERE e.action IN ('accept', 'approve')
        ) AS rows
        GROUP BY source, code, region_id, quarter
    """  # noqa: S608  (table names from the models, no input)


def bench_recompute(repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting import compute
    from reporting.models import DataValue, IndicatorValue, ProgressSnapshot, StatReturn

    sql = aggregate_sql()

    def aggregate():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    aggregate()  # warm the cache for both sides alike
    compute.recompute()
    # Rounds of one aggregate and one recompute, so that a burst of load on the machine hits
    # both alike. Each recompute starts from tables without the dead rows of the one before, as
    # after PostgreSQL's autovacuum (a recompute replaces every row; the rounds follow each
    # other faster than autovacuum would pass, and a server may run without it).
    bases, fulls = [], []
    for _ in range(repeat):
        seconds, groups = timed(aggregate, 1)
        bases.append(seconds)
        vacuum()
        seconds, result = timed(compute.recompute, 1)
        fulls.append(seconds)
    vacuum()
    with CaptureQueriesContext(connection) as queries:
        compute.recompute()
    base_s, full_s = statistics.median(bases), statistics.median(fulls)
    ratio = full_s / base_s
    print(
        f"\n1. Full recompute of progress ({StatReturn.objects.count():,} returns, "
        f"{DataValue.objects.count():,} values; {repeat} rounds: median, best)"
    )
    print(f"   {'one SQL aggregate over the same rows':<46} {base_s:8.3f} s {min(bases):7.3f} s"
          f"  ({len(groups):,} groups)")  # fmt: skip
    print(
        f"   {'compute.recompute() (recompute_all)':<46} {full_s:8.3f} s {min(fulls):7.3f} s"
        f"  ({result.values:,} indicator values, {result.snapshots:,} snapshots, "
        f"{len(queries.captured_queries)} queries and one COPY)"
    )
    print(f"   ratio of the medians {verdict(ratio, RECOMPUTE_GOAL)}; "
          f"of the best runs {min(fulls) / min(bases):.2f}×")  # fmt: skip
    stored = (IndicatorValue.objects.count(), ProgressSnapshot.objects.count())
    if stored != (result.values, result.snapshots):
        raise SystemExit(f"the recompute stored {stored}, not what it computed {result}")
    return {"aggregate": base_s, "recompute": full_s, "ratio": ratio}


def vacuum() -> None:
    from django.db import connection

    from reporting.models import IndicatorValue, ProgressSnapshot

    tables = ", ".join(m._meta.db_table for m in (IndicatorValue, ProgressSnapshot))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")


# 2. Incremental recompute through a real worker ------------------------------------------------


def start_worker(scale, log_path: Path) -> subprocess.Popen:
    from kombu import Connection

    from bench.data.base import database_url

    try:
        with Connection(BROKER, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        raise SystemExit(
            f"the incremental benchmark needs Redis at {BROKER} ({type(error).__name__}): start "
            "redis-server, or set BENCH_CELERY_BROKER_URL"
        ) from error

    env = {
        **os.environ,
        "DATABASE_URL": database_url(scale),
        "CELERY_BROKER_URL": BROKER,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2", "--purge",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        "--hostname", f"bench-reporting-{os.getpid()}@%h",
    ]  # fmt: skip
    with log_path.open("w") as log:
        worker = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if "ready." in log_path.read_text():
            return worker
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    stop_worker(worker)
    raise SystemExit(f"the Celery worker did not start:\n{log_path.read_text()[-3000:]}")


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _figure(dashboard, indicator_code: str):
    for value in dashboard.values:
        if value.indicator.code == indicator_code:
            return value.value
    return None


def bench_incremental(scale, repeat: int, timeout: float = 120.0) -> dict:
    from bench.data import users
    from portal.models import Region
    from reporting import selectors, services
    from reporting.models import Indicator, StatReturn
    from reporting.validation import Entry

    users.refresh()
    city = Region.objects.get(code=CITY)
    province = city.parent
    agency, reviewer, leader = users.agent(CITY), users.reviewer(), users.leader()
    indicator = Indicator.objects.get(code=CODE)
    log_path = Path(tempfile.gettempdir()) / f"bench-reporting-worker-{os.getpid()}.log"
    worker = start_worker(scale, log_path)
    seconds = []
    try:
        for attempt in range(1, repeat + 1):
            approved = (
                StatReturn.objects.filter(region=city, status=StatReturn.Status.APPROVED,
                                          is_current=True)
                .order_by("-period").first()
            )  # fmt: skip
            before = Decimal(approved.snapshot[CODE]["value"])
            correction = services.return_correct(
                actor=agency, stat_return=approved, reason=f"基准测试：更正 {CODE}（第{attempt}次）"
            )
            services.return_values_store(
                actor=agency,
                stat_return=correction,
                entries={CODE: Entry(code=CODE, value=before + 1, comment="", cell=CODE)},
            )
            correction = services.return_submit(actor=agency, stat_return=correction)
            shown = selectors.dashboard(user=leader, region=province, period=approved.period)
            province_before = _figure(shown, CODE)
            want_city = (before + 1) * indicator.scale
            want_province = province_before + indicator.scale
            started = time.perf_counter()
            services.return_approve(actor=reviewer, stat_return=correction)
            committed = time.perf_counter() - started
            city_at = province_at = None
            while time.perf_counter() - started < timeout:
                if city_at is None:
                    mine = selectors.dashboard(user=agency, region=city, period=approved.period)
                    if _figure(mine, CODE) == want_city:
                        city_at = time.perf_counter() - started
                if province_at is None:
                    whole = selectors.dashboard(user=leader, region=province,
                                                period=approved.period)  # fmt: skip
                    if _figure(whole, CODE) == want_province:
                        province_at = time.perf_counter() - started
                if city_at is not None and province_at is not None:
                    break
                time.sleep(0.02)
            if city_at is None or province_at is None:
                raise SystemExit(
                    f"the dashboard did not show the approved figure within {timeout:.0f} s; "
                    f"worker log:\n{log_path.read_text()[-3000:]}"
                )
            seconds.append(max(city_at, province_at))
            print(
                f"   run {attempt}: {approved.region.name} {approved.period} {CODE} "
                f"{before} → {before + 1}: approval committed in {committed:.3f} s, "
                f"city dashboard {city_at:.3f} s, province dashboard {province_at:.3f} s"
            )
    finally:
        stop_worker(worker)
    median, worst = statistics.median(seconds), max(seconds)
    print(
        f"   from approval to both dashboards: median {median:.3f} s, max {worst:.3f} s "
        f"(goal < {INCREMENTAL_GOAL:g} s: {'met' if worst < INCREMENTAL_GOAL else 'MISSED'})"
    )
    return {"median": median, "max": worst}


# 3. Statistics upload -------------------------------------------------------------------------


def raw_read(data: bytes) -> int:
    """openpyxl reading the workbook and nothing else: every cell's value, read-only mode."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    workbook.close()
    return cells


def _filled_workbook(stat_return, step: int) -> bytes:
    """The template the portal hands the city for this return (as its view builds it), with
    every figure filled in and the stocks raised by `step` (a change to store)."""
    from reporting import exporters, selectors
    from reporting.selectors import previous_values

    elements = selectors.form_elements(stat_return.form)
    stored = selectors.current_values(stat_return)
    current = {}
    for element in elements:
        row = stored.get(element.code)
        value = row.value if row else Decimal(0)
        if element.kind == element.Kind.STOCK:
            value += step
        current[element.code] = (value, "")
    return exporters.return_template(
        stat_return=stat_return,
        elements=elements,
        previous=previous_values(region=stat_return.region, period=stat_return.period),
        current=current,
    )


def _extra_elements(form, count: int) -> None:
    """More data elements on the form (flows, whole numbers), for a return of more rows."""
    from reporting.models import DataElement

    made = DataElement.objects.bulk_create(
        DataElement(
            code=f"BENCH_ROW_{n:05d}", name=f"基准测试指标{n:05d}", unit="件",
            value_type=DataElement.ValueType.INTEGER, kind=DataElement.Kind.FLOW,
            lower_bound=Decimal(0), sort=10_000 + n,
        )
        for n in range(count)
    )  # fmt: skip
    form.elements.add(*made)


def _padded(data: bytes, rows: int) -> bytes:
    """The workbook with `rows` rows below its table formatted (borders) but left empty, as
    Excel keeps a sheet someone formatted to the bottom."""
    from openpyxl import load_workbook
    from openpyxl.styles import Border, Side

    from reporting import layout

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[layout.SHEET]
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    first = sheet.max_row + 1
    for row in sheet.iter_rows(min_row=first, max_row=first + rows - 1, max_col=7):
        for cell in row:
            cell.border = border
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure_upload(extra: int, repeat: int, *, padding: int = 0) -> dict:
    """One county return's upload, dry run and commit, in a transaction rolled back at the end.
    `extra`: data elements added to the form (rows of the return); `padding`: formatted empty
    rows below the table."""
    from django.db import transaction

    from bench.data import users
    from portal.models import Region
    from reporting import selectors, services
    from reporting.models import ReturnForm, StatReturn
    from reporting.seeds import FORM

    county = Region.objects.filter(parent__code=COUNTY_OF).order_by("code").first()
    agency = users.agent(county.code)
    figures: dict = {}
    stored_files = []
    try:
        with transaction.atomic():
            form = ReturnForm.objects.get(code=FORM["code"])
            if extra:
                _extra_elements(form, extra)
            approved = (
                StatReturn.objects.filter(form=form, region=county, is_current=True,
                                          status=StatReturn.Status.APPROVED)
                .order_by("-period").first()
            )  # fmt: skip
            correction = services.return_correct(
                actor=agency, stat_return=approved, reason="基准测试：上传报表"
            )
            steps = iter(range(1, 10 * repeat + 10))

            def check(data: bytes):
                result = services.return_upload_check(
                    actor=agency, stat_return=correction, handle=io.BytesIO(data),
                    name="return.xlsx", size=len(data),
                )  # fmt: skip
                stored_files.append(result.upload.file.name)
                if not result.can_store:
                    raise SystemExit(f"the benchmark workbook has problems: {result.problems[:3]}")
                return result

            def commit(upload):
                return services.return_upload_apply(actor=agency, upload=upload)

            def workbook() -> bytes:
                data = _filled_workbook(correction, next(steps))
                return _padded(data, padding) if padding else data

            data = workbook()
            figures["rows"] = len(selectors.form_elements(form))
            figures["padding"] = padding
            figures["kb"] = len(data) / 1024
            # The three in turn, each round on a new workbook (a commit needs its own dry run):
            # a burst of load on the machine hits all three alike, and the best of the rounds
            # is each one's time (these take milliseconds; the rest of a round is noise).
            raw, checks, commits = [], [], []
            for _ in range(repeat):
                data = workbook()
                gc.collect()
                started = time.perf_counter()
                cells = raw_read(data)
                raw.append(time.perf_counter() - started)
                started = time.perf_counter()
                upload = check(data).upload
                checks.append(time.perf_counter() - started)
                gc.collect()
                started = time.perf_counter()
                applied = commit(upload)
                commits.append(time.perf_counter() - started)
                if not applied.changes:
                    raise SystemExit("the benchmark workbook changed nothing")
            figures["raw_s"], figures["check_s"] = min(raw), min(checks)
            figures["commit_s"] = min(commits)
            data = workbook()
            figures["raw_mb"], _cells = peak(lambda: raw_read(data))
            figures["check_mb"], checked = peak(lambda: check(data))
            figures["commit_mb"], _applied = peak(lambda: commit(checked.upload))
            figures["cells"] = cells
            raise Rollback
    except Rollback:
        pass
    finally:
        from django.core.files.storage import default_storage

        for name in stored_files:
            default_storage.delete(name)
    return figures


def bench_upload(repeat: int) -> dict:
    one = measure_upload(0, 3 * repeat)
    print(
        f"\n3. Statistics upload, one county return ({one['rows']} rows, {one['kb']:.1f} KB; "
        f"best of {3 * repeat}; memory: tracemalloc peak, in separate runs)"
    )
    print(f"   {'':<40} {'seconds':>9} {'peak MB':>9}  ratio to the raw read (time)")
    print(f"   {'openpyxl reading the file (read-only)':<40} {one['raw_s']:9.3f} "
          f"{one['raw_mb']:9.2f}")  # fmt: skip
    for label, key in (("dry run (return_upload_check)", "check"),
                       ("commit (return_upload_apply)", "commit")):  # fmt: skip
        ratio = one[f"{key}_s"] / one["raw_s"]
        print(f"   {label:<40} {one[f'{key}_s']:9.3f} {one[f'{key}_mb']:9.2f}  "
              f"{verdict(ratio, UPLOAD_GOAL)}")  # fmt: skip
    sizes = [one]
    for rows in BIGGER:
        sizes.append(measure_upload(rows - one["rows"], repeat))
    sizes.append(measure_upload(0, repeat, padding=PADDING))
    print(f"   by size (best of {repeat}): rows of the return (data elements), and formatted empty "
          "rows below its table")  # fmt: skip
    print(f"   {'rows':>6} {'+empty':>7} {'file KB':>8} | {'peak MB: raw':>12} {'dry run':>8} "
          f"{'commit':>8} | {'seconds: raw':>12} {'dry run':>8} {'commit':>8}")  # fmt: skip
    for size in sizes:
        print(
            f"   {size['rows']:>6} {size['padding']:>7} {size['kb']:>8.1f} | "
            f"{size['raw_mb']:>12.2f} {size['check_mb']:>8.2f} {size['commit_mb']:>8.2f} | "
            f"{size['raw_s']:>12.3f} {size['check_s']:>8.3f} {size['commit_s']:>8.3f}"
        )
    return {"sizes": sizes}


def main() -> None:
    from bench.data.base import SIZES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="province", choices=list(SIZES))
    parser.add_argument("--only", default="recompute,incremental,upload")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    only = set(args.only.split(","))
    if "incremental" in only:
        # Approvals enqueue their recompute on Redis for the worker, not in this process.
        os.environ["CELERY_BROKER_URL"] = BROKER
    from bench.generate import ensure

    scale = ensure(args.size, quiet=True)
    from django.db import connection

    print(f"reporting benchmarks on {scale.database} ({connection.vendor}), size {scale.name}")
    if "recompute" in only:
        bench_recompute(args.repeat)
    if "incremental" in only:
        print(f"\n2. Incremental recompute after one approved return (worker on {BROKER})")
        bench_incremental(scale, args.repeat)
    if "upload" in only:
        bench_upload(args.repeat)


if __name__ == "__main__":
    main()
