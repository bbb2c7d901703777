"""Benchmark: server time and queries per page on the whole province and on a tenth of it.

    .venv/bin/python bench/pages.py [--sizes province,tenth] [--requests 30] [--no-http]

Part 1, through Django's test client (no network, no server; DEBUG off): the dashboard
(province, as a leader and as a reviewer; a city, as that city's agency), the application list
(reviewer) and the patent list (reviewer, and the own list of the university with the most
patents), plus the patent list with an empty cache each time (the first request after the pool
changed). Each page is requested a few times to warm up, then `--requests` times: server time
median and p95, and the queries of one request (CaptureQueriesContext). Each size is its own
database (bench_<size>, generated first when missing) measured in its own subprocess; the sizes
run in alternating rounds (province, tenth, province, ...) so that the load of a shared machine
drifting during the run weighs on both alike. One table prints both sizes side by side with the
ratio province / tenth. Goals (issue 9): p95 < 150 ms, ratio <= 1.5, queries not growing.

Part 2, under load (bench/http_load.py): the dashboards, list APIs and list pages against
gunicorn with 2 workers and production settings, driven by locust in headless mode.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_P95_MS = 150.0
GOAL_RATIO = 1.5
CITY = "610900"  # 安康市: the city whose agency's dashboard is measured
MARK = "RESULT "

# (label, who, URL name, URL args, cold). A cold page is requested with an empty cache each
# time: what the first request after a change to the pool pays (its cached counts recomputed).
PAGES = [
    ("dashboard, province (leader)", "leader", "reporting:dashboard", (), False),
    ("dashboard, province (reviewer)", "reviewer", "reporting:dashboard", (), False),
    ("dashboard, city 安康 (city agency)", "city", "reporting:dashboard_region", (CITY,), False),
    ("application list (reviewer)", "reviewer", "projects:application_list", (), False),
    ("patent list (reviewer)", "reviewer", "patents:pool", (), False),
    ("patent list (university, own)", "university", "patents:pool", (), False),
    ("patent list (reviewer), cold cache", "reviewer", "patents:pool", (), True),
]


def production_environment() -> None:
    """Settings as in production (DEBUG off), with what a benchmark on loopback needs."""
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def collect_static() -> None:
    """With DEBUG off, pages name their static files from the manifest of `collectstatic`
    (as in production). It is run when a file under static/ is newer than the manifest: a
    minute or more on this machine, so not on every run."""
    from django.conf import settings
    from django.core.management import call_command

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [path for folder in settings.STATICFILES_DIRS for path in Path(folder).rglob("*")]
    newest = max((path.stat().st_mtime for path in sources if path.is_file()), default=0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        print("collectstatic (static files changed) ...", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)


def bench_users() -> dict:
    """The signed-in users of the pages, by the `who` of PAGES."""
    from django.db.models import Count

    from bench.data import users
    from bench.data.base import universities
    from portal.models import Role, User

    users.refresh()
    # The university or institute with the most patents: the longest own list.
    university = universities().annotate(n=Count("patents")).order_by("-n", "pk").first()
    return {
        "leader": users.leader(),
        "reviewer": users.reviewer(),
        "city": users.agent(CITY),
        "university": User.objects.filter(role=Role.APPLICANT, organisation=university)
        .order_by("pk")
        .first(),
    }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def measure(size: str, *, requests: int, warmup: int) -> dict:
    """Run in a subprocess per size: time every page of PAGES on that size's dataset."""
    production_environment()
    from bench.generate import ensure

    ensure(size, quiet=True)
    collect_static()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    people = bench_users()
    clients = {}
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        clients[who] = client
    results = {}
    for label, who, name, args, cold in PAGES:
        client, url = clients[who], reverse(name, args=args)
        for _ in range(warmup):
            _get(client, url)
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as capture:
            _get(client, url)
        # Read now: the next request's request_started signal clears the connection's log.
        queries = list(capture.captured_queries)
        times = []
        for _ in range(requests):
            if cold:
                cache.clear()
            started = time.perf_counter()
            _get(client, url)
            times.append((time.perf_counter() - started) * 1000)
        results[label] = {
            "url": url,
            "times": times,
            "queries": len(queries),
            "db_ms": sum(float(q["time"]) for q in queries) * 1000,
        }
    return {"size": size, "pages": results, "counts": _counts()}


def _get(client, url: str):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return response


def _counts() -> dict:
    from patents.models import Patent
    from projects.models import Application
    from reporting.models import DataValue

    return {
        "patents": Patent.objects.count(),
        "applications": Application.objects.count(),
        "data values": DataValue.objects.count(),
    }


def run_sizes(sizes: list[str], *, requests: int, warmup: int, rounds: int) -> dict[str, dict]:
    """Measure the sizes in alternating rounds (A B A B ...), each round in a new subprocess,
    and pool each page's times: a machine whose load drifts during the run then weighs on
    both sizes alike rather than on whichever ran second."""
    merged: dict[str, dict] = {}
    per_round = max(1, -(-requests // rounds))
    for number in range(1, rounds + 1):
        for size in sizes:
            print(f"measuring {size}, round {number} of {rounds} ...", flush=True)
            result = run_size(size, requests=per_round, warmup=warmup)
            if size not in merged:
                merged[size] = result
                continue
            for label, page in result["pages"].items():
                kept = merged[size]["pages"][label]
                kept["times"] += page["times"]
                kept["queries"] = max(kept["queries"], page["queries"])
    for result in merged.values():
        result["requests"] = min(len(page["times"]) for page in result["pages"].values())
        for page in result["pages"].values():
            page["median"] = statistics.median(page["times"])
            page["p95"] = percentile(page["times"], 0.95)
    return merged


def run_size(size: str, *, requests: int, warmup: int) -> dict:
    command = [sys.executable, __file__, "--measure", size, "--requests", str(requests)]
    command += ["--warmup", str(warmup)]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
    for line in completed.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    sys.stderr.write(completed.stdout + completed.stderr)
    raise SystemExit(f"measuring {size} failed (exit {completed.returncode})")


def report(big: dict, small: dict) -> None:
    b, s = big["size"], small["size"]
    print(
        f"\nServer time per page through the Django test client, {big['requests']} requests "
        f"after warm-up in alternating rounds of the two sizes; DEBUG off. {b}: "
        + ", ".join(f"{v:,} {k}" for k, v in big["counts"].items())
        + f"; {s}: "
        + ", ".join(f"{v:,} {k}" for k, v in small["counts"].items())
    )
    head = (
        f"{'page':<36} {b + ' median':>15} {'p95':>7} {'queries':>7} {'db':>6}  "
        f"{s + ' median':>12} {'p95':>7} {'queries':>7}  {'ratio':>5}  goals"
    )
    print(head)
    print("-" * len(head))
    for label, *_rest in PAGES:
        x, y = big["pages"][label], small["pages"][label]
        ratio = x["median"] / y["median"] if y["median"] else float("inf")
        verdict = []
        verdict.append("p95 ok" if x["p95"] < GOAL_P95_MS else "p95 MISSED")
        verdict.append("ratio ok" if ratio <= GOAL_RATIO else "ratio MISSED")
        verdict.append("queries ok" if x["queries"] <= y["queries"] else "queries GROW")
        print(
            f"{label:<36} {x['median']:>12.1f} ms {x['p95']:>7.1f} {x['queries']:>7} "
            f"{x['db_ms']:>6.1f}  {y['median']:>9.1f} ms {y['p95']:>7.1f} {y['queries']:>7}  "
            f"{ratio:>5.2f}  {', '.join(verdict)}"
        )
    print(
        f"goals: p95 < {GOAL_P95_MS:.0f} ms on {b}; ratio of medians {b}/{s} <= {GOAL_RATIO}; "
        f"queries on {b} <= on {s}. db = time in SQL of the counted request (ms)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="province,tenth", help="the size and its baseline")
    parser.add_argument("--requests", type=int, default=30, help="per page and size")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the sizes")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="skip the load test (part 2)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure(args.measure, requests=args.requests, warmup=args.warmup)
        print(MARK + json.dumps(result, ensure_ascii=False))
        return
    big, small = args.sizes.split(",")
    results = run_sizes(
        [big, small], requests=args.requests, warmup=args.warmup, rounds=args.rounds
    )
    report(results[big], results[small])
    if not args.no_http:
        from bench import http_load

        http_load.main(["--size", big])


if __name__ == "__main__":
    main()
