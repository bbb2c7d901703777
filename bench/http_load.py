"""Benchmark: pages and list APIs under load, against gunicorn with 2 workers.

    .venv/bin/python bench/http_load.py [--size province] [--users 8] [--seconds 20]

Starts gunicorn (2 sync workers, production settings: DEBUG off, the shared Redis cache,
persistent database connections) on a free loopback port over the size's dataset, signs users
in by creating their sessions (the cookie is sent as a header), and drives each URL in turn with
locust in headless mode: `--users` users in a closed loop (each sends its next request as soon
as the answer is read) for `--seconds`. Prints p50, p95 and requests per second per URL, and
stops gunicorn. Plain HTTP on loopback, as docker-compose serves it (SECURE_SSL_REDIRECT off).

Why locust: it reports percentiles and throughput itself, runs headless from a script, and its
gevent client (FastHttpUser) keeps the load generator's own CPU small on a 2-core machine that
also runs the server. (Named http_load.py, not http.py: a script's folder comes first on
sys.path, and a bench/http.py would shadow the standard library's http package.)
"""

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# (label, who, path)
TARGETS = [
    ("dashboard, province (leader)", "leader", "/reporting/dashboard/"),
    ("dashboard, city 安康 (city agency)", "city", "/reporting/dashboard/610900/"),
    ("API /api/v1/patents/ (reviewer)", "reviewer", "/api/v1/patents/"),
    ("API /api/v1/applications/ (reviewer)", "reviewer", "/api/v1/applications/"),
    ("application list page (reviewer)", "reviewer", "/projects/"),
    ("patent list page (reviewer)", "reviewer", "/patents/"),
]
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(url: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def sessions(people: dict) -> dict[str, str]:
    """A signed-in session per user (django.contrib.auth.login, as the login page does); the
    Cookie header that carries it."""
    from django.conf import settings
    from django.test import Client

    cookies = {}
    for who, user in people.items():
        client = Client()
        client.force_login(user)
        cookies[who] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def start_gunicorn(scale, port: int, log) -> subprocess.Popen:
    from bench.data.base import database_url

    env = {
        **os.environ,
        "DATABASE_URL": database_url(scale),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_CACHE_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "120",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603


def drive(host: str, path: str, cookie: str, name: str, *, users: int, seconds: int) -> dict:
    """One locust run against one URL; its aggregated figures."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        command = [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--only-summary",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--loglevel",
            "WARNING",
        ]
        env = {**os.environ, "BENCH_PATH": path, "BENCH_COOKIE": cookie, "BENCH_NAME": name}
        subprocess.run(command, env=env, capture_output=True, check=False, cwd=ROOT)  # noqa: S603
        stats = Path(f"{prefix}_stats.csv")
        if not stats.exists():
            raise SystemExit(f"locust wrote no statistics for {path}")
        with stats.open(newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
    row = rows["Aggregated"]
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "rps": float(row["Requests/s"]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="province")
    parser.add_argument("--users", type=int, default=4, help="concurrent locust users")
    parser.add_argument("--seconds", type=int, default=20, help="duration per URL")
    args = parser.parse_args(argv)

    from bench.pages import bench_users, collect_static, production_environment
    from bench.reporting import stop_worker

    production_environment()
    from bench.generate import ensure

    scale = ensure(args.size, quiet=True)
    collect_static()
    cookies = sessions(bench_users())
    from django.db import connections

    connections.close_all()
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = start_gunicorn(scale, port, log)
        try:
            _wait_ready(f"{host}/healthz", server)
            results = []
            for label, who, path in TARGETS:
                drive(host, path, cookies[who], label, users=2, seconds=3)  # warm-up
                results.append(
                    (label, drive(host, path, cookies[who], label, users=args.users,
                                  seconds=args.seconds))
                )  # fmt: skip
        finally:
            stop_worker(server)
    print(
        f"\nUnder load: gunicorn, {WORKERS} sync workers, DEBUG off, dataset {args.size}; locust "
        f"headless, {args.users} users in a closed loop, {args.seconds} s per URL after a 3 s "
        "warm-up"
    )
    head = f"{'URL':<40} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7}"
    print(head)
    print("-" * len(head))
    for label, row in results:
        print(
            f"{label:<40} {row['requests']:>8} {row['failures']:>6} {row['p50']:>7.0f} "
            f"{row['p95']:>7.0f} {row['rps']:>7.1f}"
        )
    print("(locust reports percentiles rounded to 2 significant figures)")


if __name__ == "__main__":
    main()
