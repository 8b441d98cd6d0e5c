"""Where a grading worker's CPU goes, per submission: a table by part of the grading path.

    .venv/bin/python bench/worker_profile.py [--runs 300]

Grades the seeded `rnn-step` reference solution `--runs` times through the Celery task as a
worker runs it (the task's tracer, run eagerly in this process: no broker round trip), against
a fresh SQLite database, under cProfile with a CPU clock. Each function's own CPU time is put
in one part by the file it lives in; the sandbox's processes (zygote and run children) are
read from /proc. Parts:

- Celery: the task tracer, signals and retries machinery (celery, kombu, billiard, vine);
- database: the ORM and the SQL driver (django.db, sqlite3);
- spec and expected outputs: the per-process cache of exercise specs and reference outputs;
- sandbox, worker side: handing the job to the zygote, pipes, the deadline (grader.sandbox);
- encoding: framing and decoding values crossing the boundary (codec, NumPy's .npy format);
- comparison and feedback: grader.compare and the grading logic around it (grader.grading);
- Redis: the live-status version bumps after each guarded update (exercises.live_status);
- other: the interpreter, logging, Django's signals and the rest.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import manage, production_env  # noqa: E402

PARTS = [
    ("spec and expected outputs", ("exercises/specs.py", "grader/lru.py")),
    ("encoding", ("grader/sandbox/codec.py", "numpy/lib/format.py", "numpy/lib/_format_impl.py",
                  "/json/")),
    ("sandbox, worker side", ("grader/sandbox/",)),
    ("comparison and feedback", ("grader/compare/", "grader/grading/")),
    ("database", ("django/db/", "sqlite3", "psycopg")),
    ("Celery", ("celery/", "kombu/", "billiard/", "vine/")),
    ("Redis (live-status version bumps)", ("redis/",)),
]  # fmt: skip


def part_of(filename: str, function: str) -> str:
    if filename == "~" and ("sqlite3" in function or "Cursor" in function):
        return "database"
    for name, markers in PARTS:
        if any(marker in filename for marker in markers):
            return name
    return "other"


def sandbox_cpu_s() -> float:
    """CPU seconds of this process's descendants (the sandbox: zygote, and the runs it reaped).

    Each live descendant's own time plus that of the children it has reaped: nothing twice.
    """
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        table[int(entry)] = (int(fields[1]), ticks / os.sysconf("SC_CLK_TCK"))
    me, total = os.getpid(), 0.0
    for pid, (_, cpu_s) in table.items():
        cursor = table[pid][0]
        while cursor in table and cursor != me:
            cursor = table[cursor][0]
        if cursor == me:
            total += cpu_s
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    from config.servers import RedisServer, free_port

    workdir = Path(tempfile.mkdtemp(prefix="unrolled-profile-"))
    cleanup = []
    try:
        env = production_env(workdir)
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'profile.sqlite3'}"
        # The task runs eagerly (no broker round trip); Redis takes the live-status bumps.
        redis = RedisServer(port=free_port(), data_dir=workdir / "redis").start()
        cleanup.append(redis.stop)
        env["REDIS_URL"] = redis.url
        manage(env, "migrate", "--noinput")
        os.environ.update(env)
        import django

        django.setup()
        return profile(args.runs)
    finally:
        for action in cleanup:
            action()
        shutil.rmtree(workdir, ignore_errors=True)


def profile(runs: int) -> int:
    from django.contrib.auth.models import User

    from bench.e2e import create_exercise
    from exercises.models import Exercise, Submission
    from exercises.tasks import grade_submission

    slug, code = create_exercise()
    exercise = Exercise.objects.get(slug=slug)
    user = User.objects.create(username="profiled")
    make = lambda: Submission.objects.create(user=user, exercise=exercise, code=code).id  # noqa: E731
    grade_submission.apply(args=(make(),))  # warm the zygote and the caches
    ids = [make() for _ in range(runs)]

    profiler = cProfile.Profile(time.process_time)
    sandbox_before, wall_before = sandbox_cpu_s(), time.perf_counter()
    cpu_before = time.process_time()
    profiler.enable()
    for submission_id in ids:
        grade_submission.apply(args=(submission_id,))
    profiler.disable()
    cpu_s = time.process_time() - cpu_before
    wall_s = time.perf_counter() - wall_before
    sandbox_s = sandbox_cpu_s() - sandbox_before
    assert Submission.objects.filter(id__in=ids, status="passed").count() == runs

    parts: Counter = Counter()
    for (filename, _, function), (_, _, own_s, _, _) in pstats.Stats(profiler).stats.items():
        parts[part_of(filename, function)] += own_s
    scale = cpu_s / max(sum(parts.values()), 1e-9)  # cProfile's own cost spread evenly
    print(f"\n{runs} gradings of rnn-step's reference through the task, one process")
    print(f"wall {wall_s * 1000 / runs:.2f} ms per grading; CPU per grading below\n")
    print("| part | CPU ms per grading |\n| --- | --- |")
    for name, seconds in parts.most_common():
        print(f"| {name} | {seconds * scale * 1000 / runs:.2f} |")
    print(f"| **worker process, total** | **{cpu_s * 1000 / runs:.2f}** |")
    print(f"| sandbox processes (zygote, run child) | {sandbox_s * 1000 / runs:.2f} |")
    print(
        "\n(The worker's figures are under cProfile, which adds its own cost; the split is what "
        "it is for. The sandbox's come from /proc, in 10 ms ticks summed over the runs.)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
