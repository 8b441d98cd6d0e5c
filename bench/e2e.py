"""End-to-end benchmark of the submission pipeline: HTTP API → Redis → Celery → database.

    .venv/bin/python bench/e2e.py [--database sqlite|postgres|both] [--url URL]
                                  [--concurrency N] [--web-workers N] [--web-threads N]

Starts its own stack on free ports (embedded Redis, Celery workers, gunicorn, with the commands
and sizes `make run` uses unless overridden) against a fresh SQLite file or a throwaway
PostgreSQL cluster, or uses a running site with --url (then this process must see the same
database through DATABASE_URL). Latencies come from the server's own timestamps (graded_at -
created_at). Every figure is printed next to the baseline measured in the same run: grading
the same code in this process, without web, queue or database. With its own stack it also
reports the CPU time each part (web, worker, sandbox, Redis, this client) spent per submission.

Phases: light load (one at a time), then sustained (1,200 from 300 learners) and the burst
(2,000 from 200 learners × 10), each without and then with one page per learner polling its
oldest pending submission every 300 ms with ETag revalidation (`PollingPages`). With
--database both it ends with one table of both databases side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import manage, percentile, production_env  # noqa: E402
from bench.e2e_load import (  # noqa: E402
    PollingPages,
    audit,
    baseline_in_process,
    cpu_report,
    flood,
    graded_span_s,
    light_load,
    wait_graded,
)

EXERCISE_DIR = BASE_DIR / "content" / "rnn-from-scratch" / "exercises" / "rnn-step"
TARGETS = {
    "throughput": "≥ 150/s SQLite, ≥ 130/s PostgreSQL",
    "burst": "drained ≤ 15 s, none lost, none twice",
}


# -- the stack ---------------------------------------------------------------------------------


@dataclass
class Site:
    url: str
    env: dict[str, str]
    stack: object | None = None
    cleanup: list = field(default_factory=list)

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.stop()  # type: ignore[attr-defined]
        for action in reversed(self.cleanup):
            action()


def start_site(database: str, concurrency: int, web_workers: int, web_threads: int) -> Site:
    """Start Redis, a database, migrations, Celery workers and gunicorn on free ports."""
    from config.servers import PostgresServer, free_port
    from config.stack import Stack, celery_worker_argv, gunicorn_argv, wait_for_port

    workdir = Path(tempfile.mkdtemp(prefix="unrolled-bench-"))
    cleanup = [lambda: shutil.rmtree(workdir, ignore_errors=True)]
    env = production_env(workdir)
    if database == "postgres":
        pg_root = Path(tempfile.mkdtemp(prefix="unrolled-bench-pg-"))
        server = PostgresServer(root=pg_root, port=free_port()).start()
        cleanup.append(lambda: (server.stop(), shutil.rmtree(pg_root, ignore_errors=True)))
        env["DATABASE_URL"] = server.url
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    stack = Stack(env=env)
    site = Site(url="", env=env, stack=stack, cleanup=cleanup)
    try:
        redis_port = free_port()
        stack.start_redis(redis_port, workdir / "redis")
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        stack.start("worker (live)", celery_worker_argv("live", concurrency, "WARNING"))
        web_port = free_port()
        web = stack.start(
            "web",
            gunicorn_argv(
                "127.0.0.1", web_port, workers=web_workers, threads=web_threads, access_log=False
            ),
        )
        wait_for_port("127.0.0.1", web_port, 30, web)
        site.url = f"http://127.0.0.1:{web_port}"
    except BaseException:
        site.stop()
        raise
    return site


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# -- data ----------------------------------------------------------------------------------------


def create_exercise() -> tuple[str, str]:
    """Create the seeded rnn-step exercise (published); return its slug and reference code."""
    from courses.models import Course, Lesson
    from exercises.models import Exercise, KnownMistake
    from exercises.specs import spec_from_folder

    spec = spec_from_folder(EXERCISE_DIR)
    course, _ = Course.objects.get_or_create(
        slug="bench", defaults={"title": "Bench", "published": True}
    )
    lesson, _ = Lesson.objects.get_or_create(
        course=course, slug="bench", defaults={"title": "Bench", "body": "-"}
    )
    exercise, created = Exercise.objects.get_or_create(
        slug=spec.slug,
        defaults=dict(
            lesson=lesson, title=spec.slug, entry_point=spec.entry_point, prompt="-",
            reference_code=spec.reference_code, cases_code=spec.cases_code, rtol=spec.rtol,
            atol=spec.atol, time_limit_ms=spec.time_limit_ms, memory_mb=spec.memory_mb,
            returns=list(spec.returns), published=True,
        ),
    )  # fmt: skip
    if created:
        for order, mistake in enumerate(spec.mistakes):
            KnownMistake.objects.create(
                exercise=exercise, slug=mistake.slug, title=mistake.title, code=mistake.code,
                message=mistake.message, order=order,
            )  # fmt: skip
    return exercise.slug, spec.reference_code


def create_learners(prefix: str, count: int) -> list[str]:
    """Create `count` learners and return their API tokens."""
    from django.contrib.auth.models import User

    from exercises.services import create_api_token

    tokens = []
    for i in range(count):
        user, _ = User.objects.get_or_create(username=f"{prefix}-{i}")
        tokens.append(create_api_token(user=user))
    return tokens


def run(args: argparse.Namespace) -> int:
    site = None
    url = args.url
    if url is None:
        print(
            f"\n== {args.database}: starting Redis, database, worker (live, {args.concurrency} "
            f"processes), gunicorn ({args.web_workers} workers × {args.web_threads} threads) …"
        )
        site = start_site(args.database, args.concurrency, args.web_workers, args.web_threads)
        url = site.url
        setup_django(site.env)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
        import django

        django.setup()
    try:
        results = measure(url, site)
    finally:
        if site is not None:
            site.stop()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results))
    else:
        print_table([results])
    phases = [value for value in results.values() if isinstance(value, dict)]
    return 0 if all(phase["ok"] for phase in phases) else 1


def flood_phase(
    url: str,
    site: Site | None,
    slug: str,
    code: str,
    name: str,
    plan: list[str],
    threads: int,
    polling: bool,
) -> dict:
    """Send `plan`, optionally with one polling page per learner; return the phase's figures."""
    ids: list[int] = []
    pages = PollingPages(url) if polling else None
    learners = len(set(plan))
    print(f"\n{name}: {len(plan)} submissions from {learners} learners, {threads} clients"
          + (f", {learners} pages polling every 300 ms" if polling else ""))  # fmt: skip
    with cpu_report(site, ids), pages or contextlib.nullcontext():
        started = time.monotonic()
        accepted, codes = flood(url, slug, code, plan, threads, pages)
        ids += accepted
        accepted_s = time.monotonic() - started
        done_at = wait_graded(ids, 300, poll_s=0.1)
    span = graded_span_s(ids)
    report = audit(ids, name.replace(" ", ""), len(plan))
    figures = {
        "rate": len(ids) / span,
        "drained_s": done_at - started,
        "lost": report["lost"],
        "twice": report["duplicated rows"],
        "ok": report["lost"] == 0 and report["duplicated rows"] == 0 and codes[202] == len(plan),
    }
    print(
        f"  answers {dict(codes)}, accepted in {accepted_s:.1f} s; graded {len(ids)} in "
        f"{span:.1f} s (first created → last graded): {figures['rate']:.0f}/s; drained "
        f"{figures['drained_s']:.1f} s after the first request"
    )
    if pages is not None:
        polls = sum(pages.answers.values())
        print(f"  polls {dict(pages.answers)} ({polls / (done_at - started):.0f}/s)")
    print("  audit:", report)
    return figures


def measure(url: str, site: Site | None) -> dict:
    from django.db import connection

    slug, code = create_exercise()
    vendor = connection.vendor
    print(f"site {url}, database {vendor}, exercise {slug}, {os.cpu_count()} cores")

    base_ms = baseline_in_process(slug, code)
    print(f"\nbaseline: grading in this process (no web, queue, DB), p50 {base_ms:.1f} ms")

    # Warm every worker process's zygote and cache before timing anything.
    warm = create_learners("warm", 8)
    ids, _ = flood(url, slug, code, warm, 8)
    wait_graded(ids, 60)

    light = light_load(url, slug, code, create_learners("light", 60))
    p50, p95 = percentile(light, 50), percentile(light, 95)
    print(
        f"\nlight load, {len(light)} submissions one at a time, submit→graded (server clock): "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms; {p50 / base_ms:.1f}× the in-process grading"
    )
    results = {"database": vendor, "baseline_ms": base_ms, "p50": p50, "p95": p95}
    for polling in (False, True):
        suffix = " polling" if polling else ""
        tokens = create_learners(f"sustained{suffix.strip()}", 300)
        results[f"sustained{suffix}"] = flood_phase(
            url, site, slug, code, f"sustained{suffix}", tokens * 4, 32, polling
        )
        tokens = create_learners(f"burst{suffix.strip()}", 200)
        plan = [token for token in tokens for _ in range(10)]
        results[f"burst{suffix}"] = flood_phase(
            url, site, slug, code, f"burst{suffix}", plan, 64, polling
        )
    return results


def print_table(results: list[dict]) -> None:
    """The figures of every database side by side, with the targets."""
    header = "| measure | target | " + " | ".join(r["database"] for r in results) + " |"
    print("\n" + header + "\n" + "| --- " * (2 + len(results)) + "|")

    def row(name: str, target: str, cell) -> None:
        print(f"| {name} | {target} | " + " | ".join(cell(r) for r in results) + " |")

    row("grading in one process (baseline), p50", "", lambda r: f"{r['baseline_ms']:.1f} ms")
    row("submit → graded, light load", "p50 ≤ 10 ms, p95 ≤ 20 ms",
        lambda r: f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms")  # fmt: skip
    for polling in ("", " polling"):
        pages = ", pages polling 300 ms" if polling else ", no polling"
        target = TARGETS["throughput"] if polling else ""
        row(f"sustained (1,200 from 300 learners){pages}", target,
            lambda r, k=f"sustained{polling}": f"{r[k]['rate']:.0f}/s"
            f" ({r[k]['rate'] * r['baseline_ms'] / 10:.0f}% of one process's floor)")  # fmt: skip
        row(f"burst 2,000 from 200 learners{pages}", TARGETS["burst"] if polling else "",
            lambda r, k=f"burst{polling}": f"drained {r[k]['drained_s']:.1f} s, "
            f"lost {r[k]['lost']}, twice {r[k]['twice']}")  # fmt: skip


def main() -> int:
    from config.stack import GRADING_CONCURRENCY, WEB_THREADS, WEB_WORKERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--url", help="benchmark a running site instead of starting one")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=GRADING_CONCURRENCY,
        help="grading processes of the live worker (default: make run's)",
    )
    parser.add_argument("--web-workers", type=int, default=WEB_WORKERS)
    parser.add_argument("--web-threads", type=int, default=WEB_THREADS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()  # fmt: skip
    if args.database == "both" and args.url is None:
        # One Django set-up per process: each database gets its own run of this script, and
        # this one prints their figures side by side.
        status, results = 0, []
        with tempfile.TemporaryDirectory() as folder:
            for database in ("sqlite", "postgres"):
                out = Path(folder) / f"{database}.json"
                argv = [sys.executable, __file__, "--database", database, "--json-out", str(out)]
                argv += ["--concurrency", str(args.concurrency)]
                argv += ["--web-workers", str(args.web_workers)]
                argv += ["--web-threads", str(args.web_threads)]
                status |= subprocess.run(argv).returncode
                if out.exists():
                    results.append(json.loads(out.read_text()))
        print_table(results)
        return status
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
