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
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import manage, percentile, production_env  # noqa: E402

EXERCISE_DIR = BASE_DIR / "content" / "rnn-from-scratch" / "exercises" / "rnn-step"
TARGETS = {
    "latency_p50_ms": 50,
    "latency_p95_ms": 150,
    "throughput_per_s": 150,
    "burst_drain_s": 30,
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


# -- where the CPU goes -----------------------------------------------------------------------------


def _proc_stat(pid: str) -> tuple[int, float, str] | None:
    """Return (parent pid, CPU seconds of the process and its reaped children, command line)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            stat = stat_file.read()
        with open(f"/proc/{pid}/cmdline", "rb") as cmd_file:
            cmdline = cmd_file.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"), cmdline


def cpu_by_part(site: Site) -> Counter:
    """Return CPU seconds used so far by each part of the stack started by this process.

    A process's own time plus that of its children it has reaped, summed over the live
    processes below this one: a sandbox run's time reaches its zygote when the zygote reaps it.
    """
    tops = {proc.pid: name.split(" ")[0] for name, proc in site.stack.processes}  # type: ignore[attr-defined]
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _proc_stat(entry)) is not None:
            table[int(entry)] = found
    me = os.getpid()
    parts: Counter = Counter()
    for pid, (_, cpu_s, cmdline) in table.items():
        chain, cursor = [], pid
        while cursor in table and cursor != me:
            chain.append(cursor)
            cursor = table[cursor][0]
        if cursor != me:
            continue
        top = next((tops[p] for p in chain if p in tops), None)
        if "grader/sandbox/" in cmdline:
            parts["sandbox"] += cpu_s
        elif top is not None:
            parts[top] += cpu_s
        elif "postgres" in cmdline:
            parts["postgres"] += cpu_s
    times = os.times()
    parts["this client"] += times.user + times.system
    return parts


@contextlib.contextmanager
def cpu_report(site: Site | None, submissions: list[int]):
    """Print, after the block, the CPU milliseconds each part spent per submission."""
    before = cpu_by_part(site) if site is not None else None
    yield
    if before is None or not submissions:
        return
    after = cpu_by_part(site)
    per = {part: (after[part] - before[part]) * 1000 / len(submissions) for part in after}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    shown = ", ".join(f"{part} {ms:.1f}" for part, ms in sorted(per.items(), key=lambda i: -i[1]))
    print(
        f"  CPU per submission: {total:.1f} ms ({shown}); {cores} cores cap the whole machine "
        f"at {cores * 1000 / total:.0f} submissions/s"
    )


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


# -- measurements --------------------------------------------------------------------------------


_local = threading.local()


def connection(url: str) -> http.client.HTTPConnection:
    """Return this thread's keep-alive connection to the site.

    Plain http.client rather than requests: the client shares the machine's two cores with the
    stack, and requests spent more than twice the CPU per call here.
    """
    if getattr(_local, "connection", None) is None:
        parts = urlsplit(url)
        _local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    return _local.connection


def submit(url: str, slug: str, token: str, code: str) -> tuple[int, int | None]:
    body = json.dumps({"code": code})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for attempt in (1, 2):
        conn = connection(url)
        try:
            conn.request("POST", f"/api/exercises/{slug}/submissions", body, headers)
            response = conn.getresponse()
            data = response.read()
            break
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection before reading the request
            # (nothing was stored: the audit would count a duplicate); send it again.
            conn.close()
            _local.connection = None
            if attempt == 2:
                raise
    if response.status == 202:
        return 202, json.loads(data)["id"]
    return response.status, None


def wait_graded(ids: list[int], timeout_s: float, poll_s: float = 0.02) -> float:
    """Wait until every id is final (read from the database); return when that happened.

    Each poll is one indexed query over the ids' range (nothing else submits meanwhile), so
    that watching a flood costs this process little of the CPU it shares with the stack.
    """
    from exercises.models import Submission

    if not ids:
        return time.monotonic()
    deadline = time.monotonic() + timeout_s
    unfinished = Submission.objects.filter(id__range=(min(ids), max(ids))).exclude(
        status__in=Submission.FINAL
    )
    while unfinished.exists() and time.monotonic() < deadline:
        time.sleep(poll_s)
    return time.monotonic()


def server_latencies_ms(ids: list[int]) -> list[float]:
    from exercises.models import Submission

    rows = Submission.objects.filter(id__in=ids, graded_at__isnull=False)
    return [(r.graded_at - r.created_at).total_seconds() * 1000 for r in rows]


def baseline_in_process(slug: str, code: str, runs: int = 50) -> float:
    """Grade the same code in this process (no web, queue or database): p50 in ms."""
    from exercises.models import Exercise
    from exercises.specs import exercise_spec
    from grader.grading import grade

    spec = exercise_spec(Exercise.objects.prefetch_related("mistakes").get(slug=slug))
    grade(spec, code)  # warm the zygote and the expected-outputs cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        verdict = grade(spec, code)
        times.append((time.perf_counter() - started) * 1000)
    assert verdict.status == "passed", verdict.to_dict()
    return statistics.median(times)


def light_load(url: str, slug: str, code: str, tokens: list[str]) -> list[float]:
    """One submission at a time, each waited for: server-side submit→graded latencies."""
    ids = []
    for token in tokens:
        status, submission_id = submit(url, slug, token, code)
        assert status == 202, status
        wait_graded([submission_id], 30)
        ids.append(submission_id)
    return server_latencies_ms(ids)


def flood(url: str, slug: str, code: str, plan: list[str], threads: int) -> tuple[list, Counter]:
    """Send one submission per token in `plan` from `threads` clients; return ids and codes."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda token: submit(url, slug, token, code), plan))
    ids = [submission_id for _, submission_id in results if submission_id is not None]
    return ids, Counter(status for status, _ in results)


def graded_span_s(ids: list[int]) -> float:
    from django.db.models import Max, Min

    from exercises.models import Submission

    span = Submission.objects.filter(id__in=ids).aggregate(
        first=Min("created_at"), last=Max("graded_at")
    )
    return (span["last"] - span["first"]).total_seconds()


def audit(ids: list[int], usernames_prefix: str, submitted: int) -> dict[str, int]:
    """Count graded, lost and duplicated submissions of one phase."""
    from exercises.models import Submission

    rows = Submission.objects.filter(user__username__startswith=f"{usernames_prefix}-")
    final = rows.filter(status__in=Submission.FINAL)
    return {
        "submitted": submitted,
        "accepted": len(ids),
        "rows": rows.count(),
        "graded": final.filter(id__in=ids).count(),
        "passed": final.filter(status=Submission.Status.PASSED).count(),
        "lost": len(set(ids) - set(final.values_list("id", flat=True))),
        "duplicated rows": max(0, rows.count() - len(ids)),
        "re-delivered (graded once, guard)": rows.filter(deliveries__gt=1).count(),
    }


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
        return measure(url, site)
    finally:
        if site is not None:
            site.stop()


def measure(url: str, site: Site | None) -> int:
    from django.db import connection

    slug, code = create_exercise()
    vendor = connection.vendor
    print(f"site {url}, database {vendor}, exercise {slug}, {os.cpu_count()} cores")

    base_ms = baseline_in_process(slug, code)
    print(f"\nbaseline: grading in this process (no web, queue, DB), p50 {base_ms:.1f} ms")
    print("anchors: PrairieLearn ~2.6 s, CodeRunner < 3-4 s submit→graded")

    # Warm every worker process's zygote and cache before timing anything.
    warm = create_learners("warm", 8)
    ids, _ = flood(url, slug, code, warm, 8)
    wait_graded(ids, 60)

    light = light_load(url, slug, code, create_learners("light", 60))
    p50, p95 = percentile(light, 50), percentile(light, 95)
    print(
        f"\nlight load, {len(light)} submissions one at a time, submit→graded (server clock):\n"
        f"  p50 {p50:.1f} ms (target ≤ {TARGETS['latency_p50_ms']}), "
        f"p95 {p95:.1f} ms (target ≤ {TARGETS['latency_p95_ms']}); "
        f"{p50 / base_ms:.1f}× the in-process grading"
    )

    sustained_tokens = create_learners("sustained", 300)
    plan = sustained_tokens * 4
    ids: list[int] = []
    print(f"\nsustained: {len(plan)} submissions from 32 clients")
    with cpu_report(site, ids):
        started = time.monotonic()
        accepted, codes = flood(url, slug, code, plan, 32)
        ids += accepted
        accepted_s = time.monotonic() - started
        wait_graded(ids, 180, poll_s=0.1)
    span = graded_span_s(ids)
    rate = len(ids) / span
    print(
        f"  answers {dict(codes)}, "
        f"accepted in {accepted_s:.1f} s ({len(ids) / accepted_s:.0f}/s)\n"
        f"  graded {len(ids)} in {span:.1f} s (first created → last graded): "
        f"{rate:.0f} submissions/s (target ≥ {TARGETS['throughput_per_s']}); "
        f"in-process floor {1000 / base_ms:.0f}/s per process"
    )
    print("  audit:", audit(ids, "sustained", len(plan)))

    burst_tokens = create_learners("burst", 200)
    plan = [token for token in burst_tokens for _ in range(10)]
    ids = []
    print("\nburst: 2,000 submissions, 200 learners × 10, 64 concurrent clients")
    with cpu_report(site, ids):
        started = time.monotonic()
        accepted, codes = flood(url, slug, code, plan, 64)
        ids += accepted
        accepted_s = time.monotonic() - started
        done_at = wait_graded(ids, 240, poll_s=0.1)
    drained_s = done_at - started
    report = audit(ids, "burst", len(plan))
    print(
        f"  answers {dict(codes)}, all accepted after {accepted_s:.1f} s; "
        f"queue drained {drained_s:.1f} s after the first request (target ≤ {TARGETS['burst_drain_s']} s); server span "
        f"{graded_span_s(ids):.1f} s\n  audit: {report}"
    )
    ok = report["lost"] == 0 and report["duplicated rows"] == 0 and codes.get(202) == len(plan)
    return 0 if ok else 1


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
    args = parser.parse_args()  # fmt: skip
    if args.database == "both" and args.url is None:
        # One Django set-up per process: each database gets its own run of this script.
        status = 0
        for database in ("sqlite", "postgres"):
            argv = [sys.executable, __file__, "--database", database]
            argv += ["--concurrency", str(args.concurrency)]
            argv += ["--web-workers", str(args.web_workers), "--web-threads", str(args.web_threads)]
            status |= subprocess.run(argv).returncode
        return status
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
