"""Lesson pages under 50 concurrent readers, through gunicorn as `make run` starts it.

    .venv/bin/python bench/pages.py [--readers 50] [--requests 40] [--think-ms 1000]

Starts gunicorn with make run's sizes on a free port against a fresh SQLite file holding the
seeded course (production-like settings: DEBUG off, static files collected), then lets every
reader thread fetch the eight lesson pages in turn over its own keep-alive connection.

Two loads: readers who pause between pages (a random pause averaging --think-ms, as people
reading do; this is what the target is about), and the same readers with no pause at all,
which saturates the two cores and shows the ceiling. Printed next to them, measured in the
same run: one reader alone on the same pages, and 50 readers fetching a static file
(WhiteNoise, no template, no database): the floor of the stack.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import manage, percentile, production_env  # noqa: E402
from config.servers import free_port  # noqa: E402
from config.stack import WEB_THREADS, WEB_WORKERS, Stack, gunicorn_argv, wait_for_port  # noqa: E402

TARGET_P95_MS = 50
COURSE_DIR = BASE_DIR / "content" / "rnn-from-scratch"


def lesson_paths() -> list[str]:
    names = sorted(path.stem for path in (COURSE_DIR / "lessons").glob("*.md"))
    return [f"/courses/rnn-from-scratch/{name.split('-', 1)[1]}/" for name in names]


def fetch_all(
    port: int, paths: list[str], readers: int, per_reader: int, think_ms: float = 0.0
) -> tuple[list, float]:
    """Each reader fetches `per_reader` pages (cycling through `paths`); return latencies, wall."""
    local = threading.local()

    def get(path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if getattr(local, "conn", None) is None:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                local.conn.request("GET", path)
                response = local.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn closed the idle keep-alive connection during a pause: reconnect.
                local.conn.close()
                local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def read(reader: int) -> list[float]:
        pause = random.Random(reader)
        latencies = []
        for i in range(per_reader):
            if think_ms:
                time.sleep(pause.expovariate(1000.0 / think_ms))
            path = paths[(reader + i) % len(paths)]
            start = time.perf_counter()
            status, body = get(path)
            latencies.append((time.perf_counter() - start) * 1000)
            if status != 200 or not body:
                raise RuntimeError(f"GET {path} answered {status}")
        return latencies

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=readers) as pool:
        results = list(pool.map(read, range(readers)))
    wall = time.perf_counter() - start
    return [ms for latencies in results for ms in latencies], wall


def report(label: str, latencies: list[float], wall_s: float) -> tuple[float, float]:
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(
        f"  {label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
        f"{len(latencies) / wall_s:7.0f} pages/s   (n={len(latencies)})"
    )
    return p50, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="pages per reader")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause per page")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="unrolled-pages-"))
    env = production_env(workdir) | {
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": f"sqlite:///{workdir / 'pages.sqlite3'}",
    }
    stack = Stack(env=env)
    try:
        print("Preparing: migrate, collectstatic, import the seeded course …", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput")
        manage(env, "import_course", str(COURSE_DIR))
        port = free_port()
        web = stack.start("web", gunicorn_argv("127.0.0.1", port, access_log=False))
        wait_for_port("127.0.0.1", port, 30, web)
        paths = lesson_paths()
        fetch_all(port, paths, 4, len(paths))  # warm every worker and template

        print(
            f"\nLesson pages; gunicorn {WEB_WORKERS} workers x {WEB_THREADS} threads; "
            f"{os.cpu_count()} cores:"
        )
        alone, alone_wall = fetch_all(port, paths, 1, args.requests * 2)
        report("1 reader (baseline)", alone, alone_wall)
        static, static_wall = fetch_all(port, ["/static/css/site.css"], args.readers, args.requests)
        report(f"{args.readers} readers, a static file (floor)", static, static_wall)
        reading, reading_wall = fetch_all(
            port, paths, args.readers, args.requests // 2, think_ms=args.think_ms
        )
        p50, p95 = report(
            f"{args.readers} readers, lesson pages, {args.think_ms:.0f} ms pauses", reading,
            reading_wall,
        )  # fmt: skip
        crowd, crowd_wall = fetch_all(port, paths, args.readers, args.requests)
        _, crowd_p95 = report(f"{args.readers} readers, lesson pages, no pause", crowd, crowd_wall)

        print(
            f"\n  ratios (p95): reading vs one reader {p95 / percentile(alone, 95):.1f}x; "
            f"no pause vs the static floor {crowd_p95 / percentile(static, 95):.1f}x; "
            f"no-pause mean {statistics.mean(crowd):.1f} ms"
        )
        verdict = "met" if p95 <= TARGET_P95_MS else "MISSED"
        print(f"  target p95 <= {TARGET_P95_MS} ms for {args.readers} readers: {verdict}")
        return 0
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
